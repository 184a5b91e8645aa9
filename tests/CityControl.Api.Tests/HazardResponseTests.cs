using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using CityControl.Devices;
using CityControl.Rules.Geo;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace CityControl.Tests.Api;

/// <summary>
/// A chlorine leak in a district with a weather mast, cameras, signals and a siren, replayed through the public API
/// (real grains, real HTTP, real MQTT): the hazard zone, what it drives, and the zone following a wind shift.
/// </summary>
public sealed class HazardResponseTests
{
    private static readonly XNamespace Cap = "urn:oasis:names:tc:emergency:cap:1.2";

    /// <summary>Noon in Seoul: ERG's day. Chlorine, small spill: isolate 60 m, protect 400 m downwind.</summary>
    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 3, 0, 0, TimeSpan.Zero);

    private const double Protect = 400;

    private static readonly GeoPoint Leak = new(37.4850, 126.8950);

    [Fact]
    public async Task A_leak_with_a_wind_shift_draws_its_zone_and_drives_cameras_signals_warnings_and_CAP_in_order()
    {
        var time = new FakeTimeProvider(Noon);
        var settings = PlatformSettings.Memory();
        var mqttPort = FreePorts.Next();
        settings["CityControl:Mqtt:Enabled"] = "true";
        settings["CityControl:Mqtt:Port"] = mqttPort.ToString();
        await using var platform = await InProcessPlatform.StartAsync(settings, time);
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("hazard");
        string Id(string name) => $"{name}-{district}";

        // The mast reports a 3 m/s westerly: the zone is the 400 m square east of the leak.
        var mast = await api.OnboardAsync(Device(Id("wx"), "weatherStation", Leak, district));
        await Post(api, mast, Id("wx"), time, ("windSpeed", 3, "m/s"), ("windDirection", 270, "deg"));

        // Cameras: inside both zones; east (only the first zone); south-west looking into the second; west looking away.
        var cameras = new (string Name, GeoPoint At, double Bearing)[]
        {
            ("cam-both", Offset(150, -150), 0),
            ("cam-east", Offset(0.8 * Protect, 0), 90),
            ("cam-south", Offset(-100, -0.8 * Protect), 90),
            ("cam-away", Offset(-300, 0), 270),
        };
        foreach (var (name, at, bearing) in cameras)
        {
            await api.OnboardAsync(TestDevices.Camera(Id(name), district, at.Latitude, at.Longitude, bearing, 60, 150));
        }

        // Signals: inside the first zone; 150 m north of it (a way in); far off. Each reports, so it is in service.
        var signals = new (string Name, GeoPoint At)[] { ("sig-in", Offset(0.6 * Protect, 0.1 * Protect)), ("sig-entry", Offset(0.5 * Protect, 0.5 * Protect + 150)), ("sig-far", Offset(3000, 3000)) };
        foreach (var (name, at) in signals)
        {
            var credential = await api.OnboardAsync(SignalAt(Id(name), at, district));
            await Post(api, credential, Id(name), time, ("phase", 2, "phase"));
        }

        var siren = await api.OnboardAsync(Device(Id("siren"), "warningDevice", Offset(0.3 * Protect, 0), district, new { type = "siren", rangeMeters = 800 }));
        await Post(api, siren, Id("siren"), time, ("playing", 0, "seq"));

        // The siren listens for its commands over MQTT, as a field device would.
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        var commands = new List<JsonNode>();
        var commandArrived = new SemaphoreSlim(0);
        mqtt.ApplicationMessageReceivedAsync += args =>
        {
            lock (commands)
            {
                commands.Add(JsonNode.Parse(args.ApplicationMessage.ConvertPayloadToString())!);
            }

            commandArrived.Release();
            return Task.CompletedTask;
        };
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithCredentials(siren.Username, siren.Secret).Build());
        await mqtt.SubscribeAsync($"citycontrol/{district}/{Id("siren")}/command", MqttQualityOfServiceLevel.AtLeastOnce);

        // The leak: the detector at the source reads above chlorine's high set-point (confirmed at once); one 1 km downwind reads nothing.
        var source = await api.OnboardAsync(Chlorine(Id("gas-src"), Leak, district));
        var downwind = await api.OnboardAsync(Chlorine(Id("gas-far"), Offset(1000, 0), district));
        await Post(api, downwind, Id("gas-far"), time, ("concentration", 0, "ppm"));
        await Post(api, source, Id("gas-src"), time, ("concentration", 5, "ppm"));
        var incident = await api.WaitForIncidentAsync(district);

        var first = await WaitForHazard(api, incident, version: 1);
        var zone = first["zone"]!;
        Assert.Equal("Chlorine", zone["material"]!.GetValue<string>());
        Assert.Equal(Protect, zone["protectiveMeters"]!.GetValue<double>());
        Assert.Equal([Id("cam-both"), Id("cam-east")], Strings(first["cameras"]));
        Assert.Equal(
            [(Id("sig-entry"), "closure", true), (Id("sig-in"), "evacuation", true)],
            first["signals"]!.AsArray().Select(s => (s!["signalId"]!.GetValue<string>(), s["plan"]!.GetValue<string>(), s["accepted"]!.GetValue<bool>())));
        Assert.Equal("closure", (await api.GetJsonAsync($"/api/devices/{Id("sig-entry")}", PlatformApi.Admin))["live"]!["signalPlan"]!["plan"]!.GetValue<string>());

        // The siren hears the public warning and reports it playing.
        var command = await WaitForCommand(commands, commandArrived, c => c["warning"]?["active"]?.GetValue<bool>() == true);
        Assert.Contains("chlorine", command["warning"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("east", command["warning"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var sequence = command["warning"]!["sequence"]!.GetValue<int>();
        await Post(api, siren, Id("siren"), time, ("playing", sequence, "seq"));
        await WaitForTimeline(api, incident, "public warning playing");

        // The CAP alert: valid against the official schema, its polygon the zone, the chemical a parameter, Evacuate (400 m).
        var (alert, capPolygon) = await CapOf(api, incident);
        Assert.Equal("Evacuate", alert.Descendants(Cap + "responseType").Single().Value);
        Assert.Contains(alert.Descendants(Cap + "parameter"), p => p.Element(Cap + "valueName")!.Value == "chemical" && p.Element(Cap + "value")!.Value == "Chlorine");
        AssertSameRing(Outline(zone), capPolygon);

        // The wind backs to the north: the zone turns south; cameras and signals follow it.
        time.Advance(TimeSpan.FromMinutes(2));
        await Post(api, mast, Id("wx"), time, ("windDirection", 0, "deg"));
        var second = await WaitForHazard(api, incident, version: 2);
        Assert.Equal([Id("cam-both"), Id("cam-south")], Strings(second["cameras"]));
        Assert.Equal(
            [(Id("sig-entry"), "normal", true), (Id("sig-in"), "closure", true)],
            second["signals"]!.AsArray().Select(s => (s!["signalId"]!.GetValue<string>(), s["plan"]!.GetValue<string>(), s["accepted"]!.GetValue<bool>())));
        var turned = await WaitForCommand(commands, commandArrived, c => c["warning"]?["sequence"]?.GetValue<int>() > sequence);
        Assert.Contains("south", turned["warning"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var (updated, updatedPolygon) = await CapOf(api, incident);
        Assert.Equal("Update", updated.Element(Cap + "msgType")!.Value);
        AssertSameRing(Outline(second["zone"]!), updatedPolygon);

        // The timeline holds each step, in order, with who or what did it.
        var timeline = (await api.GetJsonAsync($"/api/incidents/{incident}"))["timeline"]!.AsArray()
            .Select(e => (Actor: e!["actor"]!.GetValue<string>(), Action: e["action"]!.GetValue<string>(), Detail: e["detail"]!.GetValue<string>())).ToList();
        int At(string action, string? actor = null, int from = 0) =>
            timeline.FindIndex(from, e => e.Action == action && (actor is null || e.Actor == actor));
        var zone1 = At("hazard zone");
        var zone2 = At("hazard zone", from: zone1 + 1);
        Assert.True(At("leak confirmed") < zone1);
        Assert.Equal("hazard model", timeline[zone1].Actor);
        Assert.Contains("version 1", timeline[zone1].Detail, StringComparison.Ordinal);
        Assert.InRange(At("cameras attached", from: zone1), zone1 + 1, zone2);
        Assert.InRange(At("signal plan acknowledged", $"signal {Id("sig-in")}", zone1), zone1 + 1, zone2);
        Assert.InRange(At("signal plan acknowledged", $"signal {Id("sig-entry")}", zone1), zone1 + 1, zone2);
        var sent = At("public warning sent", $"warning device {Id("siren")}", zone1);
        Assert.InRange(sent, zone1 + 1, zone2);
        Assert.InRange(At("public warning playing", $"warning device {Id("siren")}", sent), sent + 1, zone2);
        Assert.Contains("version 2", timeline[zone2].Detail, StringComparison.Ordinal);
        Assert.True(At("signal back on its own plan", $"signal {Id("sig-entry")}", zone2) > zone2);
        Assert.DoesNotContain(timeline, e => e.Actor == $"signal {Id("sig-far")}");

        // The incident ends: its signals go back to their own plans and the siren stops.
        var fire = ("fire", "fire-demo");
        foreach (var action in new[] { "acknowledge", "dispatch", "en-route", "on-scene", "resolve" })
        {
            using var response = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/actions/{action}", action == "acknowledge" ? PlatformApi.Operator : fire,
                PlatformApi.Json(new { unit = "Guro 119 hazmat 1", text = "contained" }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await WaitForTimeline(api, incident, "hazard response ended");
        Assert.Null((await api.GetJsonAsync($"/api/devices/{Id("sig-in")}", PlatformApi.Admin))["live"]!["signalPlan"]);
        await WaitForCommand(commands, commandArrived, c => c["warning"]?["active"]?.GetValue<bool>() == false);
    }

    [Fact]
    public async Task A_signal_that_is_offline_or_in_fault_refuses_the_plan_and_the_refusal_is_on_the_timeline()
    {
        var time = new FakeTimeProvider(Noon);
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory(), time);
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("refusal");
        var mast = await api.OnboardAsync(Device($"wx-{district}", "weatherStation", Leak, district));
        await Post(api, mast, $"wx-{district}", time, ("windSpeed", 3, "m/s"), ("windDirection", 270, "deg"));
        var fault = await api.OnboardAsync(SignalAt($"sig-fault-{district}", Offset(200, 0), district));
        await Post(api, fault, $"sig-fault-{district}", time, ("mode", 2, "code"));
        await api.OnboardAsync(SignalAt($"sig-silent-{district}", Offset(250, 50), district));

        var source = await api.OnboardAsync(Chlorine($"gas-{district}", Leak, district));
        await Post(api, source, $"gas-{district}", time, ("concentration", 5, "ppm"));
        var incident = await api.WaitForIncidentAsync(district);
        var hazard = await WaitForHazard(api, incident, version: 1);

        var answers = hazard["signals"]!.AsArray().ToDictionary(s => s!["signalId"]!.GetValue<string>(), s => s!);
        Assert.False(answers[$"sig-fault-{district}"]["accepted"]!.GetValue<bool>());
        Assert.Contains("fault", answers[$"sig-fault-{district}"]["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(answers[$"sig-silent-{district}"]["accepted"]!.GetValue<bool>());
        Assert.Contains("never reported", answers[$"sig-silent-{district}"]["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var timeline = (await api.GetJsonAsync($"/api/incidents/{incident}"))["timeline"]!.AsArray();
        Assert.Equal(2, timeline.Count(e => e!["action"]!.GetValue<string>() == "signal plan refused"));
    }

    /// <summary>
    /// A chlorine leak called in (119) before any detector sees it: the call's chemical and spill size draw the zone at
    /// once from the ERG distances and the mast's wind, and the camera looking into it is attached; when a detector
    /// then confirms the leak, the response goes on from the same zone, its readings joining the call's chemical.
    /// </summary>
    [Fact]
    public async Task A_leak_called_in_with_its_chemical_draws_its_zone_at_once_without_waiting_for_detectors()
    {
        var time = new FakeTimeProvider(Noon);
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory(), time);
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("called");
        var mast = await api.OnboardAsync(Device($"wx-{district}", "weatherStation", Leak, district));
        await Post(api, mast, $"wx-{district}", time, ("windSpeed", 3, "m/s"), ("windDirection", 270, "deg"));
        await api.OnboardAsync(TestDevices.Camera($"cam-east-{district}", district, Offset(0.8 * Protect, 0).Latitude, Offset(0.8 * Protect, 0).Longitude, 90, 60, 150));
        await api.OnboardAsync(TestDevices.Camera($"cam-away-{district}", district, Offset(-300, 0).Latitude, Offset(-300, 0).Longitude, 270, 60, 150));

        // A chemical that is not a toxic gas of the table, and a spill size on a fire, are refused by field.
        using (var wrong = await api.SendAsync(HttpMethod.Post, "/api/incidents", ("fire", "fire-demo"), PlatformApi.Json(new
        {
            type = "chemicalLeak", location = new { latitude = Leak.Latitude, longitude = Leak.Longitude }, district, description = "smell of gas", chemical = "CH4",
        })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.StartsWith("must be a toxic gas of ERG 2008", (await PlatformApi.BodyAsync(wrong))["errors"]!["chemical"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }

        using var created = await api.SendAsync(HttpMethod.Post, "/api/incidents", ("fire", "fire-demo"), PlatformApi.Json(new
        {
            type = "chemicalLeak", location = new { latitude = Leak.Latitude, longitude = Leak.Longitude }, district, zone = "water works gate",
            description = "a worker says a chlorine cylinder is hissing", chemical = "cl2", spill = "small",
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var incident = (await PlatformApi.BodyAsync(created))["summary"]!["id"]!.GetValue<string>();

        var hazard = await WaitForHazard(api, incident, version: 1);
        var basis = hazard["zone"]!["basis"]!.GetValue<string>();
        Assert.StartsWith("ERG 2008, Table 1 (Initial Isolation and Protective Action Distances): UN1017 Chlorine, small spill, day: isolate 60 m all round, protect 0.4 km downwind (toward 90°", basis, StringComparison.Ordinal);
        Assert.Equal([$"cam-east-{district}"], Strings(hazard["cameras"]));
        var opened = (await api.GetJsonAsync($"/api/incidents/{incident}"))["timeline"]!.AsArray();
        Assert.Contains(opened, e => e!["action"]!.GetValue<string>() == "hazard zone" && e["detail"]!.GetValue<string>().Contains("(leak called in)", StringComparison.Ordinal));

        // A detector beside the leak then reads it above its High set-point: its alarm joins the called-in incident (no
        // second incident for the same leak), and the response goes on with its reading.
        var detector = await api.OnboardAsync(Chlorine($"gas-{district}", Offset(30, 0), district));
        await Post(api, detector, $"gas-{district}", time, ("concentration", 5, "ppm"));
        await Poll.Until(
            async () => (await api.GetJsonAsync($"/api/incidents/{incident}"))["alarms"]!.AsArray(),
            alarms => alarms.Any(a => a!["deviceId"]!.GetValue<string>() == $"gas-{district}"));

        var open = (await api.GetJsonAsync($"/api/incidents?district={district}", PlatformApi.Operator))["items"]!.AsArray();
        Assert.Equal([incident], open.Select(i => i!["id"]!.GetValue<string>()));
        Assert.True((await api.GetJsonAsync($"/api/incidents/{incident}"))["summary"]!["confirmed"]!.GetValue<bool>());
        Assert.StartsWith("ERG 2008", (await WaitForHazard(api, incident, version: 1))["zone"]!["basis"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static async Task<JsonNode> WaitForHazard(PlatformApi api, string incident, int version)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await api.SendAsync(HttpMethod.Get, $"/api/incidents/{incident}/hazard", PlatformApi.Operator);
            if (response.StatusCode == HttpStatusCode.OK && await PlatformApi.BodyAsync(response) is var body && body["zone"]?["version"]?.GetValue<int>() >= version)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no hazard zone version {version} within 30 s ({response.StatusCode})");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForTimeline(PlatformApi api, string incident, string action)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await api.GetJsonAsync($"/api/incidents/{incident}"))["timeline"]!.AsArray().Any(e => e!["action"]!.GetValue<string>() == action))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no '{action}' on the timeline within 30 s");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonNode> WaitForCommand(List<JsonNode> commands, SemaphoreSlim arrived, Func<JsonNode, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            lock (commands)
            {
                if (commands.LastOrDefault(match) is { } found)
                {
                    return found;
                }
            }

            Assert.True(await arrived.WaitAsync(deadline - DateTime.UtcNow), "the command did not arrive over MQTT within 30 s");
        }
    }

    /// <summary>The incident's CAP message, validated against the official schema, and its polygon's points.</summary>
    private static async Task<(XElement Alert, List<(double, double)> Polygon)> CapOf(PlatformApi api, string incident)
    {
        using var response = await api.SendAsync(HttpMethod.Get, $"/api/incidents/{incident}/cap", PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var xml = await response.Content.ReadAsStringAsync();
        var schemas = new XmlSchemaSet();
        using (var xsd = XmlReader.Create(RepoPaths.Data("cap", "CAP-v1.2.xsd")))
        {
            schemas.Add(Cap.NamespaceName, xsd);
        }

        var document = XDocument.Parse(xml);
        var errors = new List<string>();
        document.Validate(schemas, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);
        var polygon = document.Descendants(Cap + "polygon").Single().Value.Split(' ')
            .Select(pair => pair.Split(','))
            .Select(p => (double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        return (document.Root!, polygon);
    }

    private static List<(double, double)> Outline(JsonNode zone) =>
        [.. zone["outline"]!.AsArray().Select(p => (p!["latitude"]!.GetValue<double>(), p["longitude"]!.GetValue<double>()))];

    /// <summary>The same points in the same order, to the CAP polygon's precision (a micro-degree, about 0.1 m).</summary>
    private static void AssertSameRing(List<(double Lat, double Lon)> zone, List<(double Lat, double Lon)> cap)
    {
        Assert.Equal(zone.Count, cap.Count);
        Assert.All(zone.Zip(cap), pair =>
        {
            Assert.Equal(pair.First.Lat, pair.Second.Lat, 1.5e-6);
            Assert.Equal(pair.First.Lon, pair.Second.Lon, 1.5e-6);
        });
    }

    private static List<string> Strings(JsonNode? array) => [.. array!.AsArray().Select(x => x!.GetValue<string>()).Order(StringComparer.Ordinal)];

    private static async Task Post(PlatformApi api, (string Username, string Secret) credential, string deviceId, FakeTimeProvider time, params (string Metric, double Value, string Unit)[] readings)
    {
        // Each report a second after the last: a reading of the same metric and time is a duplicate.
        time.Advance(TimeSpan.FromSeconds(1));
        using var response = await api.PostTelemetryAsync(credential, new { readings = readings.Select(r => TestDevices.Reading(deviceId, time.GetUtcNow(), r.Metric, r.Value, r.Unit)).ToArray() });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(0, (await PlatformApi.BodyAsync(response))["rejected"]!.GetValue<int>());
    }

    private static object Device(string id, string kind, GeoPoint at, string district, object? warningDevice = null) => new
    {
        id,
        kind,
        name = id,
        location = new { latitude = at.Latitude, longitude = at.Longitude },
        district,
        zone = "complex",
        heartbeatSeconds = 600,
        warningDevice,
    };

    private static object Chlorine(string id, GeoPoint at, string district) => new
    {
        id,
        kind = "gasSensor",
        name = $"Cl2 detector {id}",
        location = new { latitude = at.Latitude, longitude = at.Longitude },
        district,
        zone = "water-works",
        heartbeatSeconds = 600,
        gasSensor = new { gas = "Cl2", unit = "ppm", low = 0.5, high = 1, twa = 0.5, stel = 1 },
    };

    private static object SignalAt(string id, GeoPoint at, string district) => new
    {
        id,
        kind = "trafficSignal",
        name = $"Signal {id}",
        location = new { latitude = at.Latitude, longitude = at.Longitude },
        district,
        zone = "junction",
        heartbeatSeconds = 600,
        trafficSignal = new { cycleSeconds = 90, phases = new[] { new { phase = 2, minGreenSeconds = 10, maxGreenSeconds = 40, yellowSeconds = 3, redClearanceSeconds = 2 } } },
    };

    private static GeoPoint Offset(double east, double north)
    {
        var (_, toWgs) = GeoDistance.LocalProjection(Leak);
        var p = toWgs.Transform([east, north]);
        return new GeoPoint(Math.Round(p[1], 7), Math.Round(p[0], 7));
    }
}
