using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using CityControl.Testing;
using CityControl.Video;
using CityControl.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace CityControl.Tests.Api;

/// <summary>
/// A rising river replayed at a riverside car park (real grains, real HTTP, a loopback SMS gateway): the incident
/// opens, the predicted time to danger closes the barrier, the subscribers get their SMS, and the CAP alert covers
/// the car park.
/// </summary>
public sealed class FloodCarParkTests
{
    private static readonly XNamespace Cap = "urn:oasis:names:tc:emergency:cap:1.2";

    [Fact]
    public async Task A_rising_river_opens_the_incident_and_the_predicted_time_to_danger_closes_the_barrier_and_tells_the_subscribers()
    {
        await using var sms = await FakeSmsGateway.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = PlatformSettings.Memory();
        settings["CityControl:Notifications:Sms:Url"] = sms.Url;
        settings["CityControl:Notifications:Sms:ApiKey"] = "test-key";
        // A Seoul deployment: drivers are texted in Korean, signed by the city's control centre.
        settings["CityControl:Public:Language"] = "ko";
        settings["CityControl:Public:Signature"] = "서울특별시 통합관제센터";
        await using var platform = await InProcessPlatform.StartAsync(settings, time);
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("flood");
        const string zone = "parking-1";

        var gauge = await api.OnboardAsync(new
        {
            id = $"gauge-{district}", kind = "floodSensor", name = "Car park gauge", location = new { latitude = 37.5284, longitude = 126.9326 },
            district, zone, heartbeatSeconds = 600, floodSensor = new { referenceLevel = 0, alertLevel = 0.3, dangerLevel = 0.6 },
        });
        var barrier = await api.OnboardAsync(new
        {
            id = $"barrier-{district}", kind = "barrier", name = "Car park entrance barrier", location = new { latitude = 37.5290, longitude = 126.9320 },
            district, zone, heartbeatSeconds = 3600,
        });
        await Post(api, barrier, $"barrier-{district}", time, "position", 0, "code");
        await api.OnboardAsync(new
        {
            id = $"cam-{district}", kind = "camera", name = "Car park camera", location = new { latitude = 37.5287, longitude = 126.9330 },
            district, zone, camera = new { bearingDegrees = 200, fieldOfViewDegrees = 70, rangeMeters = 80 },
        });
        var outline = new[] { (37.5280, 126.9315), (37.5295, 126.9315), (37.5295, 126.9340), (37.5280, 126.9340), (37.5280, 126.9315) };
        using (var registered = await api.SendAsync(HttpMethod.Put, $"/api/car-parks/{district}/{zone}", PlatformApi.Admin, PlatformApi.Json(new
        {
            name = "Yeouido riverside car park 1",
            outline = outline.Select(p => new { latitude = p.Item1, longitude = p.Item2 }),
            closeWithinMinutes = 12,
            subscribers = new[] { new { name = "Kim", phone = "+82 10-1234-5678" }, new { name = "Lee", phone = "+821098765432" } },
        })))
        {
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        // The entrance camera counts three vehicles in and one out: two are parked.
        var occupancy = $"/api/car-parks/{district}/{zone}/occupancy";
        using (var before = await api.SendAsync(HttpMethod.Get, occupancy, PlatformApi.Operator))
        {
            Assert.Equal(HttpStatusCode.NoContent, before.StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            await platform.CountVehicleAsync($"cam-{district}", CountDirection.In, i);
        }

        await WaitFor(async () => (await api.GetJsonAsync(occupancy))["in"]!.GetValue<int>() == 3, "three vehicles counted in");
        await platform.CountVehicleAsync($"cam-{district}", CountDirection.Out, 3);
        await WaitFor(async () => (await api.GetJsonAsync(occupancy))["parked"]!.GetValue<int>() == 2, "two vehicles parked");

        // The river rises 2 cm a minute (1.2 m/h) from 10 cm: the alert level (0.3 m) at minute 10 opens the incident,
        // with the danger level (0.6 m) 15 minutes off, more than the car park's 12.
        string? incident = null;
        for (var minute = 0; minute <= 12; minute++)
        {
            await Post(api, gauge, $"gauge-{district}", time, "waterLevel", 0.10 + 0.02 * minute, "m");
        }

        await WaitFor(async () => (incident = (await api.GetJsonAsync($"/api/incidents?district={district}&type=flood"))["items"]!.AsArray().FirstOrDefault()?["id"]?.GetValue<string>()) is not null, "the flood incident");
        var gaugeNow = await api.GetJsonAsync($"/api/devices/gauge-{district}", PlatformApi.Admin);
        Assert.Equal(1.2, gaugeNow["live"]!["floodRisePerHour"]!.GetValue<double>(), 0.01);
        Assert.Equal(13, gaugeNow["live"]!["minutesToDanger"]!.GetValue<double>(), 0.5);
        Assert.Empty(sms.Messages);
        Assert.Null((await api.GetJsonAsync($"/api/devices/barrier-{district}", PlatformApi.Admin))["live"]!["barrierCommand"]);

        // Minute 13: 0.36 m, danger in 12 minutes at this rate: the car park closes.
        await Post(api, gauge, $"gauge-{district}", time, "waterLevel", 0.36, "m");
        await WaitFor(() => sms.Messages.Count == 2, "two SMS at the gateway");
        Assert.All(sms.Messages, m => Assert.Equal(
            "[Yeouido riverside car park 1] 홍수 경보: 하천 수위가 올라 주차장을 지금 폐쇄합니다. 안전하다면 즉시 차량을 옮기십시오. - 서울특별시 통합관제센터", m.Text));
        Assert.Equal(["+821012345678", "+821098765432"], sms.Messages.Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.All(sms.Messages, m => Assert.Equal("Bearer test-key", m.Authorization));
        var command = (await api.GetJsonAsync($"/api/devices/barrier-{district}", PlatformApi.Admin))["live"]!["barrierCommand"]!;
        Assert.Equal("closed", command["target"]!.GetValue<string>());
        Assert.Null(command["doneAt"]);

        // The barrier reports closed.
        await Post(api, barrier, $"barrier-{district}", time, "position", 1, "code");
        await WaitFor(async () => (await Timeline(api, incident!)).Any(e => e.Action == "barrier closed"), "the barrier's report on the timeline");

        var timeline = await Timeline(api, incident!);
        var closing = timeline.FindIndex(e => e.Action == "car park closing");
        Assert.Contains("in about 12 min", timeline[closing].Detail, StringComparison.Ordinal);
        Assert.True(timeline.FindIndex(e => e.Action == "barrier closing commanded") > closing);
        Assert.Contains(timeline, e => e.Action == "subscribers notified" && e.Detail == "2 of 2 sent by SMS");
        Assert.True(timeline.FindIndex(e => e.Action == "barrier closed") > timeline.FindIndex(e => e.Action == "barrier closing commanded"));
        Assert.Contains(timeline, e => e.Action == "cameras attached" && e.Detail.Contains($"cam-{district}", StringComparison.Ordinal));
        Assert.DoesNotContain(timeline, e => e.Detail.Contains("12345678", StringComparison.Ordinal)); // phone numbers stay off the timeline
        var parked = Assert.Single(timeline, e => e.Action == "vehicles still parked");
        Assert.StartsWith("2 vehicles inside by the entrance count (3 in, 1 out since", parked.Detail, StringComparison.Ordinal);

        // After the closing each vehicle through the entrance is on the timeline: one leaves, one drives in past the
        // barrier, two leave (the car park is empty); then an operator who looked sets the number.
        await platform.CountVehicleAsync($"cam-{district}", CountDirection.Out, 60);
        await WaitFor(async () => (await Timeline(api, incident!)).Any(e => e.Action == "vehicle left"), "the vehicle that left on the timeline");
        await platform.CountVehicleAsync($"cam-{district}", CountDirection.In, 61);
        await WaitFor(async () => (await Timeline(api, incident!)).Any(e => e.Action == "vehicle entered the closed car park"), "the vehicle that drove in");
        await platform.CountVehicleAsync($"cam-{district}", CountDirection.Out, 62);
        await WaitFor(async () => (await api.GetJsonAsync(occupancy))["parked"]!.GetValue<int>() == 1, "one vehicle parked");
        await platform.CountVehicleAsync($"cam-{district}", CountDirection.Out, 63);
        await WaitFor(async () => (await Timeline(api, incident!)).Any(e => e.Action == "car park empty"), "the car park empty on the timeline");
        var empty = Assert.Single(await Timeline(api, incident!), e => e.Action == "car park empty");
        Assert.Equal($"camera cam-{district}", empty.Actor);
        Assert.StartsWith("0 vehicles inside by the entrance count (4 in, 4 out", empty.Detail, StringComparison.Ordinal);
        using (var set = await api.SendAsync(HttpMethod.Put, occupancy, PlatformApi.Operator, PlatformApi.Json(new { parked = 1 })))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            Assert.Equal((1, "operator"), ((await PlatformApi.BodyAsync(set))["parked"]!.GetValue<int>(), (await api.GetJsonAsync(occupancy))["setBy"]!.GetValue<string>()));
        }

        await WaitFor(async () => (await Timeline(api, incident!)).Any(e => e.Action == "vehicles inside set" && e.Detail.StartsWith("set by operator after a look: 1 vehicle inside", StringComparison.Ordinal)), "the operator's number on the timeline");

        // The CAP alert validates against the official schema and covers the car park's outline.
        using var response = await api.SendAsync(HttpMethod.Get, $"/api/incidents/{incident}/cap", PlatformApi.Operator);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync());
        var schemas = new XmlSchemaSet();
        using (var xsd = XmlReader.Create(RepoPaths.Data("cap", "CAP-v1.2.xsd")))
        {
            schemas.Add(Cap.NamespaceName, xsd);
        }

        var errors = new List<string>();
        document.Validate(schemas, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);
        Assert.Equal(string.Join(" ", outline.Select(p => FormattableString.Invariant($"{p.Item1},{p.Item2}"))),
            string.Join(" ", document.Descendants(Cap + "polygon").Single().Value.Split(' ').Select(pair => string.Join(",", pair.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture))))));

        // The river falls back and the car park is inspected: the operator resolves the incident. The barrier it closed
        // is commanded open, the subscribers are told, and the barrier's report comes on the timeline after them.
        foreach (var action in new[] { "acknowledge", "resolve" })
        {
            using var acted = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/actions/{action}", PlatformApi.Operator, PlatformApi.Json(new { text = "car park inspected, water gone" }));
            Assert.Equal(HttpStatusCode.OK, acted.StatusCode);
        }

        await WaitFor(() => sms.Messages.Count == 4, "two more SMS at the gateway");
        Assert.All(sms.Messages.Skip(2), m => Assert.Equal("[Yeouido riverside car park 1] 홍수 경보가 끝나 주차장을 다시 개방합니다. - 서울특별시 통합관제센터", m.Text));
        var reopen = (await api.GetJsonAsync($"/api/devices/barrier-{district}", PlatformApi.Admin))["live"]!["barrierCommand"]!;
        Assert.Equal("open", reopen["target"]!.GetValue<string>());
        Assert.Null(reopen["doneAt"]);
        await Post(api, barrier, $"barrier-{district}", time, "position", 0, "code");
        await WaitFor(async () => (await Timeline(api, incident!)).Any(e => e.Action == "barrier open"), "the barrier's report of opening on the timeline");

        timeline = await Timeline(api, incident!);
        var reopening = timeline.FindIndex(e => e.Action == "car park reopening");
        Assert.True(reopening > timeline.FindIndex(e => e.Action == "barrier closed"));
        Assert.Contains("resolved by operator", timeline[reopening].Detail, StringComparison.Ordinal);
        Assert.True(timeline.FindIndex(e => e.Action == "barrier opening commanded") > reopening);
        Assert.Equal(2, timeline.Count(e => e.Action == "subscribers notified" && e.Detail == "2 of 2 sent by SMS"));
        Assert.True(timeline.FindIndex(e => e.Action == "barrier open") > timeline.FindIndex(e => e.Action == "barrier opening commanded"));
    }

    [Fact]
    public async Task A_car_park_with_a_bad_phone_or_an_open_outline_is_a_400_naming_the_field()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        foreach (var (body, field) in new (object, string)[]
        {
            (new { name = "P1", subscribers = new[] { new { name = "Kim", phone = "010-1234-5678" } } }, "subscribers[0].phone"),
            (new { name = "P1", outline = new[] { new { latitude = 37.5, longitude = 126.9 }, new { latitude = 37.6, longitude = 126.9 }, new { latitude = 37.6, longitude = 127.0 }, new { latitude = 37.5, longitude = 127.0 } } }, "outline"),
            (new { name = "P1", closeWithinMinutes = 0 }, "closeWithinMinutes"),
        })
        {
            using var response = await platform.Api.SendAsync(HttpMethod.Put, "/api/car-parks/Yeouido/parking-9", PlatformApi.Admin, PlatformApi.Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull((await PlatformApi.BodyAsync(response))["errors"]![field]);
        }

        using var operatorTry = await platform.Api.SendAsync(HttpMethod.Get, "/api/car-parks/Yeouido/parking-9", PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.Forbidden, operatorTry.StatusCode);

        // The count of a car park nobody registered is a 404; a number that is none, or out of range, a 400 naming it;
        // a dispatcher does not set it.
        using (var unknown = await platform.Api.SendAsync(HttpMethod.Get, "/api/car-parks/Yeouido/parking-9/occupancy", PlatformApi.Operator))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var registered = await platform.Api.SendAsync(HttpMethod.Put, "/api/car-parks/Yeouido/parking-8", PlatformApi.Admin, PlatformApi.Json(new { name = "P8" })))
        {
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        foreach (var body in new object[] { new { parked = -1 }, new { parked = 100_001 }, new { }, new { parked = "many" } })
        {
            using var response = await platform.Api.SendAsync(HttpMethod.Put, "/api/car-parks/Yeouido/parking-8/occupancy", PlatformApi.Operator, PlatformApi.Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull((await PlatformApi.BodyAsync(response))["errors"]!["parked"] ?? (await PlatformApi.BodyAsync(response))["errors"]!["$.parked"]);
        }

        using var dispatcherTry = await platform.Api.SendAsync(HttpMethod.Put, "/api/car-parks/Yeouido/parking-8/occupancy", PlatformApi.Police, PlatformApi.Json(new { parked = 3 }));
        Assert.Equal(HttpStatusCode.Forbidden, dispatcherTry.StatusCode);
    }

    [Fact]
    public async Task An_operator_closes_a_barrier_by_hand_and_the_device_keeps_who_did_it_while_bad_requests_are_4xx_naming_the_field()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory(), time);
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("barrier");
        var id = $"barrier-{district}";
        var barrier = await api.OnboardAsync(new
        {
            id, kind = "barrier", name = "Car park entrance barrier", location = new { latitude = 37.5290, longitude = 126.9320 },
            district, zone = "parking-1", heartbeatSeconds = 3600,
        });
        var silent = $"barrier-silent-{district}";
        await api.OnboardAsync(new
        {
            id = silent, kind = "barrier", name = "Barrier never heard from", location = new { latitude = 37.5291, longitude = 126.9321 },
            district, zone = "parking-1", heartbeatSeconds = 3600,
        });
        var gauge = $"gauge-{district}";
        await api.OnboardAsync(new
        {
            id = gauge, kind = "floodSensor", name = "Gauge", location = new { latitude = 37.5284, longitude = 126.9326 },
            district, zone = "parking-1", heartbeatSeconds = 600, floodSensor = new { referenceLevel = 0, alertLevel = 0.3, dangerLevel = 0.6 },
        });
        await Post(api, barrier, id, time, "position", 0, "code");

        using (var closed = await api.SendAsync(HttpMethod.Post, $"/api/devices/{id}/barrier", PlatformApi.Operator, PlatformApi.Json(new { target = "closed", reason = "debris at the entrance" })))
        {
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
            var answer = await PlatformApi.BodyAsync(closed);
            Assert.True(answer["accepted"]!.GetValue<bool>());
            Assert.Equal("closed commanded", answer["detail"]!.GetValue<string>());
            Assert.Equal(("command.barrierCommanded", "@barrier.closed|closed"), (answer["said"]!["key"]!.GetValue<string>(), answer["said"]!["args"]![0]!.GetValue<string>()));
        }

        var command = (await api.GetJsonAsync($"/api/devices/{id}", PlatformApi.Operator))["live"]!["barrierCommand"]!;
        Assert.Equal("closed", command["target"]!.GetValue<string>());
        Assert.Equal("", command["incidentId"]!.GetValue<string>());
        var events = (await api.GetJsonAsync($"/api/devices/{id}/events", PlatformApi.Operator)).AsArray();
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "commandIssued" && e["detail"]!.GetValue<string>() == "closed by hand, operator: debris at the entrance");

        // The barrier reports closed: the command is done.
        await Post(api, barrier, id, time, "position", 1, "code");
        await Poll.Until(() => api.GetJsonAsync($"/api/devices/{id}", PlatformApi.Operator), d => d["live"]!["barrierCommand"]!["doneAt"] is not null);

        // Refused by the field: a barrier never heard from cannot confirm a command (409, the barrier's reason).
        using (var refused = await api.SendAsync(HttpMethod.Post, $"/api/devices/{silent}/barrier", PlatformApi.Admin, PlatformApi.Json(new { target = "open" })))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.StartsWith("never reported", (await PlatformApi.BodyAsync(refused))["errors"]!["target"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // Bad requests name the field and the rule; police and fire dispatchers do not command barriers.
        foreach (var (target, body, status, field) in new (string Target, object Body, HttpStatusCode Status, string Field)[]
        {
            (id, new { target = "ajar" }, HttpStatusCode.BadRequest, "target"),
            (id, new { reason = "no target" }, HttpStatusCode.BadRequest, "target"),
            (id, new { target = "open", reason = new string('x', 201) }, HttpStatusCode.BadRequest, "reason"),
            (id, new { target = "open", reason = "line\nbreak" }, HttpStatusCode.BadRequest, "reason"),
            (gauge, new { target = "open" }, HttpStatusCode.Conflict, "id"),
        })
        {
            using var response = await api.SendAsync(HttpMethod.Post, $"/api/devices/{target}/barrier", PlatformApi.Operator, PlatformApi.Json(body));
            Assert.Equal(status, response.StatusCode);
            Assert.NotNull((await PlatformApi.BodyAsync(response))["errors"]![field]);
        }

        using (var missing = await api.SendAsync(HttpMethod.Post, "/api/devices/no-such-barrier/barrier", PlatformApi.Operator, PlatformApi.Json(new { target = "open" })))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using var police = await api.SendAsync(HttpMethod.Post, $"/api/devices/{id}/barrier", PlatformApi.Police, PlatformApi.Json(new { target = "open" }));
        Assert.Equal(HttpStatusCode.Forbidden, police.StatusCode);
    }

    private static async Task Post(PlatformApi api, (string Username, string Secret) credential, string deviceId, FakeTimeProvider time, string metric, double value, string unit)
    {
        time.Advance(TimeSpan.FromMinutes(1));
        using var response = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(deviceId, time.GetUtcNow(), metric, value, unit) } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<List<(string Actor, string Action, string Detail)>> Timeline(PlatformApi api, string incident) =>
        [.. (await api.GetJsonAsync($"/api/incidents/{incident}"))["timeline"]!.AsArray().Select(e => (e!["actor"]!.GetValue<string>(), e["action"]!.GetValue<string>(), e["detail"]!.GetValue<string>()))];

    private static Task WaitFor(Func<bool> done, string what) => WaitFor(() => Task.FromResult(done()), what);

    private static async Task WaitFor(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within 20 s");
            await Task.Delay(100);
        }
    }

    /// <summary>An SMS provider's send API on loopback: it accepts every message and keeps it.</summary>
    private sealed class FakeSmsGateway : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeSmsGateway(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public ConcurrentQueue<(string To, string Text, string? Authorization)> Messages { get; } = new();

        public static async Task<FakeSmsGateway> StartAsync()
        {
            var port = FreePorts.Next();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            var gateway = new FakeSmsGateway(app, $"http://127.0.0.1:{port}/v1/messages");
            app.MapPost("/v1/messages", async (HttpRequest request) =>
            {
                var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!;
                gateway.Messages.Enqueue((body["to"]!.GetValue<string>(), body["text"]!.GetValue<string>(), request.Headers.Authorization.ToString()));
                return Results.Accepted();
            });
            await app.StartAsync();
            return gateway;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
