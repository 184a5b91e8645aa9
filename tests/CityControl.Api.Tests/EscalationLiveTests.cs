using System.Diagnostics;
using System.Net;
using CityControl.Incidents;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>Escalation as the control room sees it: a platform whose escalation step is seconds, so that the real reminder fires.</summary>
public sealed class EscalationLiveTests
{
    [Fact]
    public async Task A_waiting_incident_rises_on_live_screens_in_the_list_and_on_its_timeline_without_being_read()
    {
        var settings = PlatformSettings.Memory();
        settings["CityControl:Incidents:EscalationStep"] = "00:00:03";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var api = platform.Api;
        await using var live = await LiveClient.ConnectAsync(platform.BaseAddress, api, PlatformApi.Operator);
        var district = MemoryPlatformFixture.NewId("rise");
        var gas = MemoryPlatformFixture.NewId("gas");
        var credential = await api.OnboardAsync(TestDevices.Gas(gas, district));

        // One sensor above its Low set-point: a P2 leak, not yet confirmed.
        using (var low = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, DateTimeOffset.UtcNow, "concentration", 30, "ppm") } }))
        {
            Assert.Equal(HttpStatusCode.Accepted, low.StatusCode);
        }

        var opened = await live.WaitForIncident(i => i.District == district);
        var waiting = Stopwatch.StartNew();
        var raised = await live.WaitForIncident(i => i.District == district && i.Priority == Priority.P1, TimeSpan.FromSeconds(30));
        waiting.Stop();

        var listed = await api.GetJsonAsync($"/api/incidents?district={district}");
        var detail = await api.GetJsonAsync($"/api/incidents/{opened.Id}");
        var lines = detail["timeline"]!.AsArray().Select(e => $"{e!["action"]!.GetValue<string>()}: {e["detail"]!.GetValue<string>()}").ToList();

        Assert.Equal(Priority.P2, opened.Priority);
        Assert.Equal(opened.Id, raised.Id);
        Assert.Equal(IncidentStatus.New, raised.Status);
        Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(20), $"escalation reached the screen after {waiting.Elapsed}");
        Assert.Equal("P1", Assert.Single(listed["items"]!.AsArray())!["priority"]!.GetValue<string>());
        Assert.Contains(lines, l => l.StartsWith("priority raised: P2 -> P1: not acknowledged for ", StringComparison.Ordinal));
    }
}
