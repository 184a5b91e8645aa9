using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using CityControl.Testing;
using Microsoft.Extensions.DependencyInjection;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Integration;

/// <summary>Against real Azurite: what was onboarded and acknowledged is there after a restart and after a kill.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DurabilityTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_delivery_that_hangs_does_not_hold_the_ingest_request_and_its_journaled_readings_arrive_when_it_ends()
    {
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var hold = new HeldDeliveries(gas);
        var settings = PlatformSettings.Azure(azurite.ConnectionString);
        settings["CityControl:Ingest:DeliveryWait"] = "00:00:01";
        await using var platform = await InProcessPlatform.StartAsync(settings, services: s => s.AddSingleton<IIncomingGrainCallFilter>(hold));
        var api = platform.Api;
        var credential = await api.OnboardAsync(TestDevices.Gas(gas, "Held-" + gas));
        var at = DateTimeOffset.UtcNow.AddSeconds(-1);

        // The device's grain does not answer (as when the silo it was on was just killed): the request is answered
        // once the readings are in the journal and the wait has passed, not when Orleans gives up on the call.
        var clock = Stopwatch.StartNew();
        using (var response = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, at, "concentration", 7, "ppm") } }))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.True(hold.Held, "the delivery was not held");

        // The call gets through in the end: the acknowledged reading is in the device's history.
        hold.Release();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await api.GetJsonAsync($"/api/devices/{gas}/readings?max=10")).AsArray().Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the held reading never reached its device");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_credential_check_that_hangs_is_answered_503_with_retry_after_not_at_orleans_response_timeout()
    {
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var hold = new HeldDeliveries(gas, "VerifyCredential");
        var settings = PlatformSettings.Azure(azurite.ConnectionString);
        settings["CityControl:Ingest:LookupWait"] = "00:00:01";
        await using var platform = await InProcessPlatform.StartAsync(settings, services: s => s.AddSingleton<IIncomingGrainCallFilter>(hold));
        var api = platform.Api;
        var credential = await api.OnboardAsync(TestDevices.Gas(gas, "Lookup-" + gas));
        var reading = new { readings = new[] { TestDevices.Reading(gas, DateTimeOffset.UtcNow.AddSeconds(-1), "concentration", 7, "ppm") } };

        // The device's grain does not answer its credential check (as when its silo was just killed): nothing is
        // taken, and the sender is told at once to come back.
        var clock = Stopwatch.StartNew();
        using (var response = await api.PostTelemetryAsync(credential, reading))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
        }

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.True(hold.Held, "the credential check was not held");

        // Answering again, the same request is taken.
        hold.Release();
        using var retry = await api.PostTelemetryAsync(credential, reading);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
    }

    /// <summary>Holds the device's calls of one method (its ReportReadings deliveries unless said) until released.</summary>
    private sealed class HeldDeliveries(string deviceId, string method = "ReportReadings") : IIncomingGrainCallFilter
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Held { get; private set; }

        public void Release() => _release.TrySetResult();

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == method && context.TargetId.Key.ToString() == deviceId)
            {
                Held = true;
                await _release.Task;
            }

            await context.Invoke();
        }
    }

    [Fact]
    public async Task Devices_and_their_last_readings_survive_a_silo_restart()
    {
        var settings = PlatformSettings.Azure(azurite.ConnectionString);
        var district = "Restart-" + Guid.NewGuid().ToString("N")[..6];
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var csvIds = Enumerable.Range(1, 3).Select(i => $"cam-{district}-{i}").ToArray();
        var geoIds = Enumerable.Range(1, 2).Select(i => $"flood-{district}-{i}").ToArray();
        var now = DateTimeOffset.UtcNow;
        Dictionary<string, JsonNode> before;

        await using (var platform = await InProcessPlatform.StartAsync(settings))
        {
            var api = platform.Api;
            await api.OnboardAsync(TestDevices.Gas(gas, district));

            var csv = new StringBuilder("id,kind,name,latitude,longitude,district,zone,bearingDegrees\n");
            csv.Append($"{csvIds[0]},camera,North gate,37.51,126.90,{district},gate,90\n");
            csv.Append($"{csvIds[1]},camera,South gate,37.51,126.90,{district},gate,400\n");
            csv.Append($"{csvIds[2]},camera,\"Car park, level 2\",37.52,126.91,{district},parking,180\n");
            var csvReport = await Import(api, csv.ToString(), "text/csv");
            Assert.Equal([2, 4], csvReport["accepted"]!.AsArray().Select(a => a!["row"]!.GetValue<int>()));
            var csvRejected = Assert.Single(csvReport["rejected"]!.AsArray())!;
            Assert.Equal((3, "camera.bearingDegrees"), (csvRejected["row"]!.GetValue<int>(), csvRejected["field"]!.GetValue<string>()));

            var geo = new JsonObject
            {
                ["type"] = "FeatureCollection",
                ["features"] = new JsonArray(
                    Feature(geoIds[0], 126.93, 37.528, new JsonObject { ["referenceLevel"] = 0, ["alertLevel"] = 0.3, ["dangerLevel"] = 0.6 }),
                    Feature(geoIds[1], 126.94, 37.529, new JsonObject { ["referenceLevel"] = 0, ["alertLevel"] = 0.7, ["dangerLevel"] = 0.6 })),
            };
            var geoReport = await Import(api, geo.ToJsonString(), "application/geo+json");
            Assert.Equal([geoIds[0]], geoReport["accepted"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));
            var geoRejected = Assert.Single(geoReport["rejected"]!.AsArray())!;
            Assert.Equal((2, "floodSensor.dangerLevel"), (geoRejected["row"]!.GetValue<int>(), geoRejected["field"]!.GetValue<string>()));

            var gateway = await RegisterGateway(api, district);
            var readings = new List<object>();
            for (var i = 0; i < 10; i++)
            {
                readings.Add(TestDevices.Reading(gas, now.AddSeconds(i - 60), "concentration", 20 + i * 2, "ppm"));
                readings.Add(TestDevices.Reading(geoIds[0], now.AddSeconds(i - 60), "waterLevel", 0.2 + i * 0.02, "m"));
                readings.Add(TestDevices.Reading(csvIds[0], now.AddSeconds(i - 60), "streamUp", i == 9 ? 0 : 1, "bool"));
            }

            using var ingest = await api.PostTelemetryAsync(gateway, new { readings });
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);

            before = await Snapshots(api, [gas, csvIds[0], csvIds[2], geoIds[0]]);
        }

        // A fresh journal name: nothing is replayed, so what comes back comes from the grains' own state.
        settings["CityControl:Ingest:JournalName"] = "after-restart-" + Guid.NewGuid().ToString("N")[..6];
        await using (var platform = await InProcessPlatform.StartAsync(settings))
        {
            var after = await Snapshots(platform.Api, [gas, csvIds[0], csvIds[2], geoIds[0]]);
            foreach (var (id, snapshot) in before)
            {
                Assert.Equal(Comparable(snapshot), Comparable(after[id]));
            }

            Assert.Equal(38, after[gas]["latestReadings"]!["concentration"]!["value"]!.GetValue<double>());
            Assert.Equal("high", after[gas]["live"]!["gasLevel"]!.GetValue<string>());
            Assert.Equal("alert", after[geoIds[0]]["live"]!["floodStage"]!.GetValue<string>());
            Assert.False(after[csvIds[0]]["live"]!["streamUp"]!.GetValue<bool>());
            Assert.Equal(10, (await platform.Api.GetJsonAsync($"/api/devices/{gas}/readings")).AsArray().Count);
            var listed = await platform.Api.GetJsonAsync($"/api/devices?district={district}");
            Assert.Equal(4, listed["items"]!.AsArray().Count);
        }
    }

    [Fact]
    public async Task Every_reading_of_an_acknowledged_batch_is_there_after_the_process_is_killed()
    {
        var settings = PlatformSettings.Azure(azurite.ConnectionString);

        // Checkpoints far away: after the kill, the readings can only come back from the ingest journal.
        settings["CityControl:Devices:CheckpointInterval"] = "01:00:00";
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var values = Enumerable.Range(0, 50).Select(i => Math.Round(5 + i * 0.1, 2)).ToArray();

        await using (var platform = await PlatformProcess.StartAsync(settings))
        using (var api = new PlatformApi(platform.BaseAddress))
        {
            var credential = await api.OnboardAsync(TestDevices.Gas(gas));

            // The first reading activates the device, a change written at once; the batch after it changes nothing that is.
            using var first = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, now.AddSeconds(-30), "concentration", 4, "ppm") } });
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            var readings = values.Select((v, i) => TestDevices.Reading(gas, now.AddMilliseconds(-25_000 + (i * 400)), "concentration", v, "ppm")).ToArray();
            using var response = await api.PostTelemetryAsync(credential, new { readings });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await platform.KillAsync();
        }

        await using (var platform = await PlatformProcess.StartAsync(settings))
        using (var api = new PlatformApi(platform.BaseAddress))
        {
            var history = await api.GetJsonAsync($"/api/devices/{gas}/readings?max=100");
            var device = await api.GetJsonAsync($"/api/devices/{gas}");

            Assert.Equal([4.0, .. values], history.AsArray().Select(r => r!["value"]!.GetValue<double>()));
            Assert.Equal(values[^1], device["latestReadings"]!["concentration"]!["value"]!.GetValue<double>());
            Assert.Equal("active", device["status"]!.GetValue<string>());

            // An unclean stop: the tail is replayed; the first reading was saved when it activated the device, the 50 after it only in the journal.
            var replay = await JournalReplay(api);
            Assert.Equal((51, 50, 1, 0), (Int(replay, "replayedReadings"), Int(replay, "newToDevices"), Int(replay, "alreadyHeld"), Int(replay, "skippedAfterCleanStop")));
        }
    }

    [Fact]
    public async Task After_a_clean_stop_a_restart_with_the_same_journal_replays_nothing_and_every_reading_is_there_once()
    {
        var settings = PlatformSettings.Azure(azurite.ConnectionString);

        // Checkpoints far away: only the stop's own writes can have saved the readings.
        settings["CityControl:Devices:CheckpointInterval"] = "01:00:00";
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var values = Enumerable.Range(0, 30).Select(i => Math.Round(3 + i * 0.5, 2)).ToArray();
        string before;

        await using (var platform = await InProcessPlatform.StartAsync(settings))
        {
            var credential = await platform.Api.OnboardAsync(TestDevices.Gas(gas));
            foreach (var chunk in values.Select((v, i) => TestDevices.Reading(gas, now.AddSeconds(-60 + i), "concentration", v, "ppm")).Chunk(10))
            {
                using var response = await platform.Api.PostTelemetryAsync(credential, new { readings = chunk });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            before = Comparable(await platform.Api.GetJsonAsync($"/api/devices/{gas}"));
        }

        await using (var platform = await InProcessPlatform.StartAsync(settings))
        {
            var replay = await JournalReplay(platform.Api);
            var history = await platform.Api.GetJsonAsync($"/api/devices/{gas}/readings?max=100");

            Assert.Equal((0, 0, 3), (Int(replay, "replayedReadings"), Int(replay, "replayedBatches"), Int(replay, "skippedAfterCleanStop")));
            Assert.NotNull(replay["cleanStop"]);
            Assert.Equal(values, history.AsArray().Select(r => r!["value"]!.GetValue<double>()));
            Assert.Equal(before, Comparable(await platform.Api.GetJsonAsync($"/api/devices/{gas}")));
        }
    }

    [Fact]
    public async Task An_incidents_audit_timeline_lists_every_action_in_order_and_survives_a_restart()
    {
        var settings = PlatformSettings.Azure(azurite.ConnectionString);
        var district = "Audit-" + Guid.NewGuid().ToString("N")[..6];
        string incidentId;
        string before;

        await using (var platform = await InProcessPlatform.StartAsync(settings))
        {
            var api = platform.Api;
            await api.LeakAsync(district);
            incidentId = await api.WaitForIncidentAsync(district);

            // The confirmed leak's hazard response reports its zone on its own: let it, so the timeline read below is whole.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await api.GetJsonAsync($"/api/incidents/{incidentId}"))["hazard"] is null)
            {
                Assert.True(DateTime.UtcNow < deadline, "the leak's hazard zone was not drawn within 30 s");
                await Task.Delay(100);
            }

            var fire = ("fire", "fire-demo");
            foreach (var (action, user, body) in new (string, (string, string), object?)[]
            {
                ("acknowledge", PlatformApi.Operator, null),
                ("note", PlatformApi.Operator, new { text = "plume visible on cam-guro-05" }),
                ("dispatch", fire, new { unit = "Guro Engine 3" }),
                ("en-route", fire, null),
                ("on-scene", fire, null),
            })
            {
                using var response = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incidentId}/actions/{action}", user, body is null ? null : PlatformApi.Json(body));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            before = (await api.GetJsonAsync($"/api/incidents/{incidentId}"))["timeline"]!.ToJsonString();
        }

        await using (var platform = await InProcessPlatform.StartAsync(settings))
        {
            var detail = await platform.Api.GetJsonAsync($"/api/incidents/{incidentId}");
            var timeline = detail["timeline"]!.AsArray();

            Assert.Equal(before, timeline.ToJsonString());
            // The video grants of the fire incident (cameras other tests left near the leak) are written when they
            // come back from the grant worker, and the confirmed leak's hazard response (its zone, and any devices
            // other tests left near it) when its steps come back, wherever that falls among the rest: both are left
            // out of the order checked.
            Assert.Equal(
                ["opened", "alarm linked", "alarm linked", "leak confirmed", "priority raised", "acknowledge", "note", "dispatch", "en route", "on scene"],
                timeline.Where(e => e!["actor"]!.GetValue<string>() is not "hazard model" && !e["actor"]!.GetValue<string>().StartsWith("signal ", StringComparison.Ordinal)
                        && !e["actor"]!.GetValue<string>().StartsWith("warning device ", StringComparison.Ordinal))
                    .Select(e => e!["action"]!.GetValue<string>()).Where(a => !a.StartsWith("video access", StringComparison.Ordinal)));
            Assert.Contains(timeline, e => e!["action"]!.GetValue<string>() == "hazard zone");
            Assert.Equal(Enumerable.Range(1, timeline.Count), timeline.Select(e => e!["sequence"]!.GetValue<int>()));
            Assert.Equal("onScene", detail["summary"]!["status"]!.GetValue<string>());
            var listed = await platform.Api.GetJsonAsync($"/api/incidents?district={district}");
            Assert.Equal([incidentId], listed["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task While_the_journals_storage_is_unreachable_ingest_answers_503_with_Retry_After_and_keeps_nothing()
    {
        // Blob storage (journal and grain state) reached through a cable the test can cut.
        var blobEndpoint = Regex.Match(azurite.ConnectionString, "BlobEndpoint=(http://[^/]+)/").Groups[1].Value;
        await using var cable = new CuttableProxy(new Uri(blobEndpoint));
        var settings = PlatformSettings.Azure(azurite.ConnectionString.Replace(blobEndpoint, cable.Address.ToString().TrimEnd('/'), StringComparison.Ordinal));
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;

        await using var platform = await InProcessPlatform.StartAsync(settings);
        var api = platform.Api;
        var credential = await api.OnboardAsync(TestDevices.Gas(gas));
        using (var before = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, now.AddSeconds(-20), "concentration", 4, "ppm") } }))
        {
            Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);
        }

        cable.Cut();
        var refused = new List<(HttpStatusCode Status, TimeSpan? RetryAfter, TimeSpan Took)>();
        for (var i = 0; i < 3; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var during = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, now.AddSeconds(-10 + i), "concentration", 77 + i, "ppm") } });
            refused.Add((during.StatusCode, during.Headers.RetryAfter?.Delta, Stopwatch.GetElapsedTime(started)));
        }

        Assert.All(refused, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status));
        Assert.All(refused, r => Assert.InRange(r.RetryAfter ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)));

        // Bounded, not a hang: the first refusal waits out a few short retries, the ones after it are refused at once.
        Assert.True(refused[0].Took < TimeSpan.FromSeconds(15), $"first refusal took {refused[0].Took}");
        Assert.True(refused[2].Took < TimeSpan.FromSeconds(2), $"refusal during the outage took {refused[2].Took}");

        cable.Restore();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        HttpStatusCode after;
        do
        {
            await Task.Delay(refused[^1].RetryAfter!.Value);
            using var response = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, now.AddSeconds(-1), "concentration", 5, "ppm") } });
            after = response.StatusCode;
        }
        while (after != HttpStatusCode.Accepted && DateTimeOffset.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Accepted, after);
        var history = await api.GetJsonAsync($"/api/devices/{gas}/readings?max=100");
        Assert.Equal([4.0, 5.0], history.AsArray().Select(r => r!["value"]!.GetValue<double>()));
    }

    [Fact]
    public async Task With_storage_stopped_first_the_platform_stops_within_its_bound_says_what_it_could_not_save_and_loses_nothing_acknowledged()
    {
        // Storage of this test's own, since it is stopped.
        await using var storage = await AzuriteServer.StartAsync();
        var settings = PlatformSettings.Azure(storage.ConnectionString);
        settings["CityControl:Devices:CheckpointInterval"] = "01:00:00";
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var values = Enumerable.Range(0, 20).Select(i => Math.Round(6 + i * 0.25, 2)).ToArray();

        await using (var platform = await PlatformProcess.StartAsync(settings))
        using (var api = new PlatformApi(platform.BaseAddress))
        {
            var credential = await api.OnboardAsync(TestDevices.Gas(gas));
            using (var first = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, now.AddSeconds(-40), "concentration", 5, "ppm") } }))
            {
                Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            }

            using (var batch = await api.PostTelemetryAsync(credential, new { readings = values.Select((v, i) => TestDevices.Reading(gas, now.AddSeconds(-30 + i), "concentration", v, "ppm")).ToArray() }))
            {
                Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
            }

            await storage.StopAsync();
            var took = await platform.StopAsync(TimeSpan.FromSeconds(40));

            // The host's shutdown is bounded by CityControl:ShutdownTimeout (20 s).
            Assert.True(took < TimeSpan.FromSeconds(30), $"stopping took {took}");
            // It says that it did not stop cleanly and what takes the place of what it could not save.
            Assert.Matches(@"Not a clean stop .*: [1-9]\d* grains hold or lost changes they did not save|Not saved: [1-9]\d* grains with changes not yet written, \d+ that could not write them at deactivation; it is replayed from the ingest journal", platform.Output);
        }

        await storage.StartAgainAsync();
        await using (var platform = await PlatformProcess.StartAsync(settings))
        using (var api = new PlatformApi(platform.BaseAddress))
        {
            var history = await api.GetJsonAsync($"/api/devices/{gas}/readings?max=100");
            var replay = await JournalReplay(api);

            Assert.Equal([5.0, .. values], history.AsArray().Select(r => r!["value"]!.GetValue<double>()));
            Assert.Equal((21, 20, 1, 0), (Int(replay, "replayedReadings"), Int(replay, "newToDevices"), Int(replay, "alreadyHeld"), Int(replay, "skippedAfterCleanStop")));
        }
    }

    /// <summary>The journal replay's counts, as <c>/healthz</c> reports them.</summary>
    private static async Task<JsonNode> JournalReplay(PlatformApi api) =>
        (await api.GetJsonAsync("/healthz"))["checks"]!["ingest-journal"]!["data"]!;

    private static int Int(JsonNode node, string name) => node[name]!.GetValue<int>();

    private static JsonObject Feature(string id, double lon, double lat, JsonObject levels)
    {
        var properties = new JsonObject { ["id"] = id, ["kind"] = "floodSensor", ["name"] = "Riverside gauge " + id, ["district"] = id.Split('-')[1] + "-" + id.Split('-')[2], ["zone"] = "parking-1" };
        foreach (var (key, value) in levels)
        {
            properties[key] = value?.DeepClone();
        }

        return new JsonObject
        {
            ["type"] = "Feature",
            ["geometry"] = new JsonObject { ["type"] = "Point", ["coordinates"] = new JsonArray(lon, lat) },
            ["properties"] = properties,
        };
    }

    private static async Task<JsonNode> Import(PlatformApi api, string content, string mediaType)
    {
        using var response = await api.SendAsync(HttpMethod.Post, "/api/devices/import", PlatformApi.Admin, new StringContent(content, Encoding.UTF8, mediaType));
        var body = await PlatformApi.BodyAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    private static async Task<(string, string)> RegisterGateway(PlatformApi api, string district)
    {
        using var response = await api.PostJsonAsync("/api/gateways", new { id = "gw-" + district, name = "Gateway", districts = new[] { district } }, PlatformApi.Admin);
        var body = await PlatformApi.BodyAsync(response);
        return (body["credential"]!["username"]!.GetValue<string>(), body["credential"]!["secret"]!.GetValue<string>());
    }

    private static async Task<Dictionary<string, JsonNode>> Snapshots(PlatformApi api, string[] ids)
    {
        var result = new Dictionary<string, JsonNode>();
        foreach (var id in ids)
        {
            result[id] = await api.GetJsonAsync($"/api/devices/{id}");
        }

        return result;
    }

    /// <summary>The state a user sees, less connectivity, which depends on the wall clock.</summary>
    private static string Comparable(JsonNode snapshot)
    {
        var copy = snapshot.DeepClone().AsObject();
        copy.Remove("connectivity");
        return copy.ToJsonString();
    }
}
