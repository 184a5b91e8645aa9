using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>
/// Thousands of generated hostile requests over every public endpoint of a real host (seeded, so a failure repeats):
/// hostile ids in routes, hostile query values, valid bodies with one field replaced by a hostile value, truncated and
/// byte-mangled bodies, wrong content types. No answer may be a 5xx or take long, and the host must stay healthy.
/// </summary>
public sealed class FuzzTests
{
    private const int Seed = 20261126;
    private const int Requests = 3000;
    private static readonly TimeSpan SlowestAllowed = TimeSpan.FromSeconds(5);

    private static readonly string[] HostileText =
    [
        "", " ", "\t", "\u2003", "\u0000", "a\u0000b", "\r\n", "../../etc/passwd", "%2e%2e%2f", "<script>alert(1)</script>",
        "' OR '1'='1", "${jndi:ldap://127.0.0.1/a}", "\u202Eevil", "😀", new string('x', 10_000), "null", "true", "-0", "1e309",
        "NaN", "Infinity", "0x7f000001", "http://127.0.0.1:1/", "file:///etc/passwd", "\ud800".Replace("\ud800", "?"), "Ａ", "ß", "İ",
    ];

    private static readonly JsonNode?[] HostileJson =
    [
        null, JsonValue.Create(""), JsonValue.Create(" "), JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(1e308),
        JsonValue.Create(-1e308), JsonValue.Create(long.MaxValue), JsonValue.Create(true), JsonValue.Create(new string('y', 5000)),
        new JsonArray(), new JsonArray((JsonNode?)null), new JsonObject(), new JsonArray(1, "two", null, new JsonObject()),
        Nested(60), JsonValue.Create("NaN"), JsonValue.Create("2026-13-45T99:99:99Z"), JsonValue.Create("0001-01-01T00:00:00Z"),
        JsonValue.Create("9999-12-31T23:59:59Z"), JsonValue.Create("\u0000"), JsonValue.Create("\u202E"),
    ];

    [Fact]
    public async Task Thousands_of_hostile_requests_over_every_endpoint_get_no_5xx_none_is_slow_and_the_host_stays_healthy()
    {
        // Without the per-user query limit, so that the generated requests reach the handlers rather than 429.
        var settings = PlatformSettings.Memory();
        settings["CityControl:Queries:RequestsPerSecondPerUser"] = "0";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var api = platform.Api;
        var random = new Random(Seed);

        // Real objects for the routes to find: a camera, a gas sensor with its credential, a gateway, an incident.
        var camera = MemoryPlatformFixture.NewId("cam");
        await api.OnboardAsync(TestDevices.Camera(camera, "Fuzz", 37.51, 126.90, 90, 60, 100));
        var (gas, credential) = await api.LeakAsync("Fuzz");
        var incident = await api.WaitForIncidentAsync("Fuzz");
        var tokens = new Dictionary<string, string>
        {
            ["admin"] = await api.TokenAsync(PlatformApi.Admin.User, PlatformApi.Admin.Password),
            ["operator"] = await api.TokenAsync(PlatformApi.Operator.User, PlatformApi.Operator.Password),
        };

        var targets = Targets(camera, gas, incident);
        var statuses = new Dictionary<string, Dictionary<int, int>>();
        var failures = new List<string>();
        var slowest = (Time: TimeSpan.Zero, What: "");
        using var http = new HttpClient { BaseAddress = platform.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        for (var i = 0; i < Requests; i++)
        {
            var target = targets[random.Next(targets.Length)];
            using var request = target.Build(random);
            if (target.User is { } user)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[user]);
            }
            else if (target.Name.StartsWith("POST /api/telemetry", StringComparison.Ordinal) || target.Name.StartsWith("POST /ngsi-ld/", StringComparison.Ordinal))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Secret}")));
            }

            var what = $"{request.Method} {request.RequestUri}";
            var started = Stopwatch.GetTimestamp();
            int status;
            try
            {
                using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException ex)
            {
                // A refused oversized upload may close the connection before the client has sent everything.
                status = ex.HttpRequestError == HttpRequestError.ResponseEnded ? 413 : 0;
            }

            var took = Stopwatch.GetElapsedTime(started);
            if (took > slowest.Time)
            {
                slowest = (took, what);
            }

            var counts = statuses.TryGetValue(target.Name, out var c) ? c : statuses[target.Name] = [];
            counts[status] = counts.GetValueOrDefault(status) + 1;
            if (status is >= 500 or 0)
            {
                failures.Add($"{status} {what} {Describe(request)}");
            }
        }

        using var health = await http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        var report = string.Join("\n", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: " + string.Join(", ", s.Value.OrderBy(v => v.Key).Select(v => $"{v.Key}×{v.Value}"))));
        var artifacts = Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "artifacts")).FullName;
        File.WriteAllText(Path.Combine(artifacts, "fuzz-report.txt"),
            $"seed {Seed}, {Requests} requests, slowest {slowest.Time.TotalMilliseconds:0} ms ({slowest.What})\n{report}\n\nfailures:\n{string.Join("\n", failures)}\n");

        Assert.True(failures.Count == 0, $"{failures.Count} answers were 5xx or no answer:\n{string.Join("\n", failures.Take(20))}");
        Assert.True(slowest.Time < SlowestAllowed, $"slowest {slowest.Time} for {slowest.What}");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(statuses.Count >= targets.Length * 9 / 10, $"only {statuses.Count} of {targets.Length} endpoints were reached");
    }

    private static Target[] Targets(string camera, string gas, string incident)
    {
        var validDevice = new JsonObject
        {
            ["id"] = "fz-cam", ["kind"] = "camera", ["name"] = "Gate", ["district"] = "Fuzz", ["zone"] = "gate",
            ["location"] = new JsonObject { ["latitude"] = 37.5, ["longitude"] = 126.9 },
            ["camera"] = new JsonObject { ["streamUrl"] = "rtsp://10.20.0.5/s", ["bearingDegrees"] = 90, ["fieldOfViewDegrees"] = 60, ["rangeMeters"] = 100 },
            ["trafficSignal"] = new JsonObject { ["cycleSeconds"] = 120, ["phases"] = new JsonArray(new JsonObject { ["phase"] = 2, ["minGreenSeconds"] = 10, ["maxGreenSeconds"] = 40, ["yellowSeconds"] = 3, ["redClearanceSeconds"] = 2 }) },
            ["gasSensor"] = new JsonObject { ["gas"] = "NH3", ["unit"] = "ppm", ["low"] = 25, ["high"] = 35 },
            ["floodSensor"] = new JsonObject { ["referenceLevel"] = 0, ["alertLevel"] = 0.3, ["dangerLevel"] = 0.6 },
        };
        var telemetry = new JsonObject
        {
            ["readings"] = new JsonArray(new JsonObject { ["deviceId"] = gas, ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"), ["metric"] = "concentration", ["value"] = 3, ["unit"] = "ppm" }),
        };
        var analytics = new JsonObject
        {
            ["zones"] = new JsonArray(new JsonObject { ["name"] = "z", ["kind"] = "intrusion", ["polygon"] = new JsonArray(Point(0, 0), Point(100, 0), Point(100, 100)) }),
            ["motionMasks"] = new JsonArray(),
        };
        var gateway = new JsonObject { ["id"] = "fz-gw", ["name"] = "Gateway", ["districts"] = new JsonArray("Fuzz") };
        var action = new JsonObject { ["text"] = "note", ["unit"] = "Engine 3", ["step"] = 1, ["deviceId"] = gas, ["condition"] = "gasHigh", ["shelveMinutes"] = 10 };
        var token = new JsonObject { ["username"] = "operator", ["password"] = "wrong" };
        var refresh = new JsonObject { ["refreshToken"] = "CfDJ8" + new string('Q', 120) };
        var call = new JsonObject
        {
            ["type"] = "fire", ["priority"] = "P2", ["location"] = new JsonObject { ["latitude"] = 37.49, ["longitude"] = 126.89 }, ["district"] = "Fuzz",
            ["zone"] = "street", ["caller"] = new JsonObject { ["name"] = "Kim", ["phone"] = "010-1234-5678" }, ["description"] = "smoke from a window",
        };
        var grant = new JsonObject { ["agency"] = "fire", ["purpose"] = "crimePrevention", ["reason"] = "smoke over the gate", ["minutes"] = 5 };
        const string csv = "id,kind,name,latitude,longitude,district,zone\nfz-1,camera,Gate,37.5,126.9,Fuzz,gate\n";
        const string controllerLog = "Location Id,Timestamp,Event Code,Event Parameter\n7115,4/17/2023 8:00:0.20,82,2\n7115,4/17/2023 8:00:1.0,1,4\n";
        var water = new JsonObject
        {
            ["id"] = "urn:ngsi-ld:WaterObserved:fz-1", ["type"] = "WaterObserved", ["refDevice"] = "urn:ngsi-ld:Device:" + gas,
            ["dateObserved"] = DateTimeOffset.UtcNow.ToString("O"), ["height"] = new JsonObject { ["type"] = "Property", ["value"] = 1.5, ["unitCode"] = "MTR" },
        };
        var notification = new JsonObject { ["type"] = "Notification", ["subscriptionId"] = "urn:ngsi-ld:Subscription:fz", ["data"] = new JsonArray(water.DeepClone()) };
        const string cap = "<?xml version=\"1.0\"?><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>FZ-1</identifier><sender>fz@example</sender><sent>2026-11-26T09:00:00+09:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info><category>Met</category><event>Rain</event><urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty><area><areaDesc>Seoul</areaDesc><circle>37.5,126.9 5</circle></area></info></alert>";

        return
        [
            Get("GET /api/devices/{id}", "operator", "/api/devices/{id}", gas),
            Get("GET /api/devices/{id}/readings", "operator", "/api/devices/{id}/readings?max={q}", gas),
            Get("GET /api/devices/{id}/events", "operator", "/api/devices/{id}/events?max={q}", gas),
            Get("GET /api/devices", "operator", "/api/devices?kind={q}&district={q}&status={q}&after={q}&limit={q}", gas),
            Body("POST /api/devices", "admin", HttpMethod.Post, "/api/devices", null, validDevice),
            Body("PATCH /api/devices/{id}", "admin", HttpMethod.Patch, "/api/devices/{id}", camera, validDevice),
            Body("DELETE /api/devices/{id}", "admin", HttpMethod.Delete, "/api/devices/{id}", "fz-none", null),
            Body("POST /api/devices/{id}/credential", "admin", HttpMethod.Post, "/api/devices/{id}/credential", "fz-none", null),
            Text("POST /api/devices/import (csv)", "admin", "/api/devices/import?dryRun={q}&atomic={q}", csv, "text/csv"),
            Text("POST /api/devices/import (geojson)", "admin", "/api/devices/import?dryRun=true", """{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[126.9,37.5]},"properties":{"id":"fz-2","kind":"camera","name":"G","district":"Fuzz","zone":"z"}}]}""", "application/geo+json"),
            Body("POST /api/gateways", "admin", HttpMethod.Post, "/api/gateways", null, gateway),
            Get("GET /api/gateways/{id}", "admin", "/api/gateways/{id}", "fz-gw"),
            Body("POST /api/telemetry", null, HttpMethod.Post, "/api/telemetry", null, telemetry),
            Get("GET /api/incidents", "operator", "/api/incidents?status={q}&type={q}&agency={q}&district={q}&from={q}&to={q}&after={q}&limit={q}", incident),
            Get("GET /api/incidents/{id}", "operator", "/api/incidents/{id}", incident),
            Get("GET /api/incidents/{id}/nearest-cameras", "operator", "/api/incidents/{id}/nearest-cameras?count={q}", incident),
            Get("GET /api/incidents/{id}/media/{i}", "operator", "/api/incidents/{id}/media/{q}", incident),
            Get("GET /api/incidents/{id}/cap", "operator", "/api/incidents/{id}/cap", incident),
            Body("POST /api/incidents", "operator", HttpMethod.Post, "/api/incidents", null, call),
            Body("POST /api/incidents/{id}/actions/{action}", "operator", HttpMethod.Post, "/api/incidents/{id}/actions/{q}", incident, action),
            Text("POST /api/cap", "operator", "/api/cap", cap, "application/cap+xml"),
            Get("GET /api/cameras/{id}/analytics", "operator", "/api/cameras/{id}/analytics", camera),
            Body("PUT /api/cameras/{id}/analytics", "admin", HttpMethod.Put, "/api/cameras/{id}/analytics", camera, analytics),
            Get("GET /api/cameras/{id}/video-events", "operator", "/api/cameras/{id}/video-events?max={q}", camera),
            Get("GET /api/cameras/{id}/live.jpg", "operator", "/api/cameras/{id}/live.jpg", camera),
            Get("GET /api/video/pipelines", "operator", "/api/video/pipelines", ""),
            Get("GET /api/alarm-rates", "operator", "/api/alarm-rates?district={q}", ""),
            Get("GET /api/traffic/signals", "operator", "/api/traffic/signals?district={q}", ""),
            Get("GET /api/map", "operator", "/api/map", ""),
            Get("GET /api/labels", null, "/api/labels?lang={q}", ""),
            Get("GET /api/facts", "operator", "/api/facts", ""),
            Body("POST /api/auth/token", null, HttpMethod.Post, "/api/auth/token", null, token),
            Body("POST /api/auth/refresh", null, HttpMethod.Post, "/api/auth/refresh", null, refresh),
            Get("GET /api/cameras/{id}/grants", "operator", "/api/cameras/{id}/grants", camera),
            Body("POST /api/cameras/{id}/grants", "operator", HttpMethod.Post, "/api/cameras/{id}/grants", camera, grant),
            Body("DELETE /api/cameras/{id}/grants/{grantId}", "operator", HttpMethod.Delete, "/api/cameras/{id}/grants/{q}", camera, null),
            Get("GET /api/video/audit", "admin", "/api/video/audit?from={q}&to={q}&camera={q}&user={q}&limit={q}", ""),
            Text("POST /api/telemetry/signals/{id}/event-log", null, "/api/telemetry/signals/" + gas + "/event-log?detectors={q}&interval={q}&utcOffset={q}&replayFrom={q}", controllerLog, "text/csv"),
            Body("POST /ngsi-ld/v1/entities", null, HttpMethod.Post, "/ngsi-ld/v1/entities", null, water),
            Body("POST /ngsi-ld/v1/notify", null, HttpMethod.Post, "/ngsi-ld/v1/notify", null, notification),
            Get("GET /ngsi-ld/v1/entities", "operator", "/ngsi-ld/v1/entities?type={q}&limit={q}&offset={q}", ""),
            Get("GET /ngsi-ld/v1/entities/{id}", "operator", "/ngsi-ld/v1/entities/{id}", "urn:ngsi-ld:Device:" + gas),
        ];
    }

    private static JsonObject Point(int x, int y) => new() { ["x"] = x, ["y"] = y };

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++)
        {
            node = new JsonArray(node);
        }

        return node;
    }

    /// <summary>A route's id: the real one mostly, a hostile one otherwise.</summary>
    private static string Id(Random random, string real) => random.Next(3) == 0 ? Uri.EscapeDataString(Pick(random, HostileText)) : Uri.EscapeDataString(real);

    private static string Query(Random random) => random.Next(4) switch
    {
        0 => Uri.EscapeDataString(Pick(random, HostileText)),
        1 => random.Next(-5, 2000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => Uri.EscapeDataString(Pick(random, ["acknowledge", "dispatch", "note", "shelve", "camera", "police", "new", "P1", "2026-11-26T00:00:00Z", "ko", "en"])),
        _ => "",
    };

    private static string Fill(Random random, string template, string real) =>
        System.Text.RegularExpressions.Regex.Replace(template.Replace("{id}", Id(random, real), StringComparison.Ordinal), @"\{q\}", _ => Query(random));

    private static Target Get(string name, string? user, string template, string real) =>
        new(name, user, random => new HttpRequestMessage(HttpMethod.Get, Fill(random, template, real)));

    private static Target Text(string name, string? user, string template, string valid, string mediaType) =>
        new(name, user, random =>
        {
            var bytes = Encoding.UTF8.GetBytes(valid);
            bytes = Mangle(random, bytes);
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(10) == 0 ? "text/plain" : mediaType);
            return new HttpRequestMessage(HttpMethod.Post, Fill(random, template, "")) { Content = content };
        });

    private static Target Body(string name, string? user, HttpMethod method, string template, string? real, JsonObject? valid) =>
        new(name, user, random =>
        {
            var request = new HttpRequestMessage(method, Fill(random, template, real ?? ""));
            if (valid is null)
            {
                return request;
            }

            var body = valid.DeepClone().AsObject();
            Replace(random, body);
            var bytes = Mangle(random, Encoding.UTF8.GetBytes(body.ToJsonString()));
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(12) == 0 ? "text/plain" : "application/json");
            request.Content = content;
            return request;
        });

    /// <summary>Replaces one field, at any depth, with a hostile value (or leaves the body valid one time in six).</summary>
    private static void Replace(Random random, JsonObject body)
    {
        if (random.Next(6) == 0)
        {
            return;
        }

        JsonNode node = body;
        while (true)
        {
            var children = node switch
            {
                JsonObject o => o.Select(p => (Key: (object)p.Key, Value: p.Value)).ToList(),
                JsonArray a => a.Select((v, i) => (Key: (object)i, Value: v)).ToList(),
                _ => [],
            };
            if (children.Count == 0)
            {
                return;
            }

            var (key, value) = children[random.Next(children.Count)];
            if (value is JsonObject or JsonArray && random.Next(2) == 0)
            {
                node = value;
                continue;
            }

            var hostile = Pick(random, HostileJson)?.DeepClone() ?? (random.Next(2) == 0 ? null : JsonValue.Create(Pick(random, HostileText)));
            if (node is JsonObject parent)
            {
                parent[(string)key] = hostile;
            }
            else if (node is JsonArray array)
            {
                array[(int)key] = hostile;
            }

            return;
        }
    }

    /// <summary>Sometimes truncates the body, flips bytes, inserts invalid UTF-8 or sends nothing.</summary>
    private static byte[] Mangle(Random random, byte[] body) => random.Next(10) switch
    {
        0 => body[..random.Next(body.Length + 1)],
        1 => [.. body.Take(body.Length / 2), 0xC3, 0x28, 0xED, 0xA0, 0x80, .. body.Skip(body.Length / 2)],
        2 => body.Select(b => random.Next(40) == 0 ? (byte)random.Next(256) : b).ToArray(),
        3 when random.Next(3) == 0 => [],
        _ => body,
    };

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Describe(HttpRequestMessage request) =>
        request.Content is ByteArrayContent content ? Encoding.UTF8.GetString(content.ReadAsByteArrayAsync().Result.Take(300).ToArray()) : "";

    private sealed record Target(string Name, string? User, Func<Random, HttpRequestMessage> Build);
}
