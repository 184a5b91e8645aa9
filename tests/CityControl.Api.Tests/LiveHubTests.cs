using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CityControl.Incidents;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Web.Hosting;
using CityControl.Web.Live;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CityControl.Tests.Api;

/// <summary>The live channel over a real SignalR connection (WebSockets), as the control room's browsers use it.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class LiveHubTests(MemoryPlatformFixture fixture)
{
    private static readonly (string, string) Fire = ("fire", "fire-demo");
    private PlatformApi Api => fixture.Api;

    [Fact]
    public async Task A_new_incident_reaches_the_operator_and_the_fire_dispatcher_live_but_not_the_police()
    {
        await using var operatorClient = await LiveClient.ConnectAsync(fixture.Platform.BaseAddress, fixture.Api, PlatformApi.Operator);
        await using var fireClient = await LiveClient.ConnectAsync(fixture.Platform.BaseAddress, fixture.Api, Fire);
        await using var policeClient = await LiveClient.ConnectAsync(fixture.Platform.BaseAddress, fixture.Api, PlatformApi.Police);
        var district = MemoryPlatformFixture.NewId("live");

        var (gas, credential) = await Api.LeakAsync(district);

        var seenByOperator = await operatorClient.WaitForIncident(i => i.District == district && i.AlarmCount >= 2);
        var seenByFire = await fireClient.WaitForIncident(i => i.District == district && i.AlarmCount >= 2);

        // A later change in the same district (the gas back to normal) reaches the police in order: anything sent to
        // them about the leak would have arrived before it.
        using var normal = await Api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, DateTimeOffset.UtcNow, "concentration", 0, "ppm") } });
        Assert.Equal(HttpStatusCode.Accepted, normal.StatusCode);
        await policeClient.WaitForDeviceEvent(e => e.DeviceId == gas && e.Live?.GasLevel == CityControl.Devices.GasLevel.Normal);

        Assert.Equal(IncidentType.ChemicalLeak, seenByOperator.Type);
        Assert.Equal(seenByOperator.Id, seenByFire.Id);
        Assert.DoesNotContain(policeClient.Incidents.Values, i => i.District == district);
        Assert.True(operatorClient.InOrder, "operator batches out of order");
        Assert.True(fireClient.InOrder, "fire batches out of order");
        Assert.Contains(operatorClient.DeviceEvents, e => e.District == district && e.Alarm is not null);
    }

    [Fact]
    public async Task A_client_that_was_away_catches_up_from_the_snapshot_when_it_reconnects()
    {
        // Connected: the first leak arrives live.
        var before = MemoryPlatformFixture.NewId("before");
        var client = await LiveClient.ConnectAsync(fixture.Platform.BaseAddress, fixture.Api, PlatformApi.Operator);
        var (firstGas, _) = await Api.LeakAsync(before);
        var first = await client.WaitForIncident(i => i.District == before && i.AlarmCount >= 2);
        Assert.Equal(IncidentStatus.New, first.Status);
        await client.DisposeAsync();

        // Away: the first incident is acknowledged and a second leak opens elsewhere.
        using (var ack = await Api.SendAsync(HttpMethod.Post, $"/api/incidents/{first.Id}/actions/acknowledge", PlatformApi.Operator))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        var away = MemoryPlatformFixture.NewId("away");
        await Api.LeakAsync(away);
        await Api.WaitForIncidentAsync(away);

        await using var back = await LiveClient.ConnectAsync(fixture.Platform.BaseAddress, fixture.Api, PlatformApi.Operator);

        Assert.Equal(IncidentStatus.Acknowledged, back.Incidents[first.Id].Status);
        Assert.Contains(back.Incidents.Values, i => i.District == away);
        var gas = Assert.Single(back.Devices, d => d.District == away);
        var status = Assert.Single(back.DeviceStates, s => s.Id == gas.Id);
        Assert.Equal(CityControl.Devices.GasLevel.High, status.Live.GasLevel);
        Assert.Equal(CityControl.Devices.Connectivity.Online, status.Connectivity);
        Assert.Contains(CityControl.Devices.AlarmCondition.GasHigh, status.ActiveAlarms);
        Assert.Contains(back.DeviceStates, s => s.Id == firstGas);
    }

    [Fact]
    public async Task A_front_end_that_stops_tells_its_screens_to_reconnect_before_it_closes_their_connections()
    {
        var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var token = await platform.Api.TokenAsync(PlatformApi.Operator.User, PlatformApi.Operator.Password);
        var hint = new TaskCompletionSource<ReconnectHint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(platform.BaseAddress, ControlRoomHub.Path), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions))
            .Build();
        connection.On<ReconnectHint>(nameof(IControlRoomClient.Reconnect), h => hint.TrySetResult(h));
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await connection.StartAsync(TestContext.Current.CancellationToken);

        // A started client has only had the handshake: the server registers the connection after it. A first call
        // answered means the connection is among those a stop tells (on a busy machine the stop could come between).
        await connection.InvokeAsync<JsonElement>("Snapshot", TestContext.Current.CancellationToken);
        await platform.DisposeAsync();
        var received = await hint.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(LiveChannelDrain.Stopping, received);
    }

    [Fact]
    public async Task The_hub_refuses_a_visitor_without_a_token()
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Platform.BaseAddress, ControlRoomHub.Path), o => o.Transports = HttpTransportType.WebSockets)
            .Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => connection.StartAsync());

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        await connection.DisposeAsync();
    }

}
