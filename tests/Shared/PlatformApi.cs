using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using CityControl.Testing;

namespace CityControl.Tests.Infrastructure;

/// <summary>A client of the platform's HTTP API as users and devices use it, over a real connection.</summary>
public sealed class PlatformApi(Uri baseAddress) : IDisposable
{
    public static readonly (string User, string Password) Admin = ("admin", "admin-demo");
    public static readonly (string User, string Password) Operator = ("operator", "operator-demo");
    public static readonly (string User, string Password) Police = ("police", "police-demo");

    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    private readonly Dictionary<string, string> _tokens = [];

    public HttpClient Anonymous => _http;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, (string User, string Password)? user = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (user is { } u)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(u.User, u.Password));
        }

        return await _http.SendAsync(request);
    }

    public async Task<string> TokenAsync(string user, string password)
    {
        if (_tokens.TryGetValue(user, out var token))
        {
            return token;
        }

        using var response = await _http.PostAsJsonAsync("/api/auth/token", new { username = user, password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        token = body!["accessToken"]!.GetValue<string>();
        _tokens[user] = token;
        return token;
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body, (string User, string Password)? user) =>
        SendAsync(HttpMethod.Post, path, user, Json(body));

    /// <summary>Onboards a device as admin and returns its ingest credential.</summary>
    public async Task<(string Username, string Secret)> OnboardAsync(object device)
    {
        using var response = await PostJsonAsync("/api/devices", device, Admin);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"onboarding answered {(int)response.StatusCode}: {body}");
        var credential = JsonNode.Parse(body)!["credential"]!;
        return (credential["username"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());
    }

    public Task<HttpResponseMessage> PostTelemetryAsync((string Username, string Secret)? credential, object body) =>
        PostIngestAsync("/api/telemetry", credential, Json(body));

    /// <summary>A POST to an ingest endpoint with a device's or a gateway's credential.</summary>
    public async Task<HttpResponseMessage> PostIngestAsync(string path, (string Username, string Secret)? credential, HttpContent content)
    {
        // As a well-behaved gateway does: a refused batch is refused before its body is sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = true;
        if (credential is { } c)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.Username}:{c.Secret}")));
        }

        return await _http.SendAsync(request);
    }

    public async Task<JsonNode> GetJsonAsync(string path, (string User, string Password)? user = null)
    {
        using var response = await SendAsync(HttpMethod.Get, path, user ?? Operator);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>A new gas detector in the district reading 50 ppm of ammonia: a Low and a High alarm, so a leak incident.</summary>
    public async Task<(string GasId, (string Username, string Secret) Credential)> LeakAsync(string district)
    {
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..10];
        var credential = await OnboardAsync(TestDevices.Gas(gas, district));
        using var ingest = await PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, DateTimeOffset.UtcNow, "concentration", 50, "ppm") } });
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        return (gas, credential);
    }

    /// <summary>
    /// The district's incident once it has both of the leak's alarms (Low and High) linked, as an operator's live
    /// channel shows it: the snapshot if it is already there, else the batch that brings it.
    /// </summary>
    public async Task<string> WaitForIncidentAsync(string district)
    {
        await using var live = await LiveClient.ConnectAsync(_http.BaseAddress!, this, Operator);
        return (await live.WaitForIncident(i => i.District == district && i.AlarmCount >= 2)).Id;
    }

    public static StringContent Json(object body) =>
        body is string text
            ? new StringContent(text, Encoding.UTF8, "application/json")
            : new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");

    public static async Task<JsonNode> BodyAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public void Dispose() => _http.Dispose();
}

/// <summary>Reading something again until it is as expected, for the few waits that have no event to await.</summary>
public static class Poll
{
    /// <summary>Reads every 100 ms until <paramref name="done"/> holds; fails after 20 s.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "not within 20 s");
            await Task.Delay(100);
        }
    }
}

/// <summary>Ready-made device bodies for tests.</summary>
public static class TestDevices
{
    public static object Gas(string id, string district = "Guro", double high = 35, double latitude = 37.4851, double longitude = 126.8990) => new
    {
        id,
        kind = "gasSensor",
        name = $"NH3 detector {id}",
        location = new { latitude, longitude },
        district,
        zone = "plant-1",
        heartbeatSeconds = 60,
        gasSensor = new { gas = "NH3", unit = "ppm", low = 25, high, twa = 25, stel = 35 },
    };

    public static object Flood(string id, string district = "Yeouido") => new
    {
        id,
        kind = "floodSensor",
        name = $"Riverside gauge {id}",
        location = new { latitude = 37.5284, longitude = 126.9326 },
        district,
        zone = "parking-1",
        floodSensor = new { referenceLevel = 0, alertLevel = 0.3, dangerLevel = 0.6 },
    };

    /// <summary>A camera at the gate, with a stream when <paramref name="streamUrl"/> is given.</summary>
    public static object Camera(string id, string district, double latitude, double longitude, double bearing, double fieldOfView, double range, string? streamUrl = null) => new
    {
        id,
        kind = "camera",
        name = $"Camera {id}",
        location = new { latitude, longitude },
        district,
        zone = "gate",
        camera = streamUrl is null
            ? (object)new { bearingDegrees = bearing, fieldOfViewDegrees = fieldOfView, rangeMeters = range }
            : new { streamUrl, bearingDegrees = bearing, fieldOfViewDegrees = fieldOfView, rangeMeters = range },
    };

    /// <summary>A camera of the cluster tests: at the same gate in every test, playing <paramref name="streamUrl"/>.</summary>
    public static object StreamingCamera(string id, string district, string streamUrl) => Camera(id, district, 37.5160, 126.9080, 20, 60, 150, streamUrl);

    public static object Signal(string id, string district) => new
    {
        id,
        kind = "trafficSignal",
        name = $"Signal {id}",
        location = new { latitude = 37.5170, longitude = 126.9070 },
        district,
        zone = "junction",
        trafficSignal = new
        {
            cycleSeconds = 120,
            phases = new[] { new { phase = 2, minGreenSeconds = 10, maxGreenSeconds = 40, yellowSeconds = 3, redClearanceSeconds = 2 }, new { phase = 4, minGreenSeconds = 10, maxGreenSeconds = 40, yellowSeconds = 3, redClearanceSeconds = 2 } },
        },
    };

    public static object Reading(string deviceId, DateTimeOffset at, string metric, object value, string unit) =>
        new { deviceId, timestamp = at.ToString("O"), metric, value, unit };
}
