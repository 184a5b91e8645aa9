using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>The classes of hostile input that once answered 500 or took time out of proportion: each is a 4xx naming the field now.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class HostileInputTests(MemoryPlatformFixture fixture)
{
    private PlatformApi Api => fixture.Api;

    /// <summary>A document of the wrong shape is refused whole (400 naming the part); a bad feature is that row's rejection.</summary>
    [Theory]
    [InlineData("""{"type":42,"features":[]}""", 400, "type")]
    [InlineData("""{"type":"FeatureCollection","features":"none"}""", 400, "type")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":["Point"],"coordinates":[126.9,37.5]},"properties":{"id":"x","kind":"camera"}}]}""", 200, "geometry")]
    [InlineData("""{"type":"FeatureCollection","features":[null]}""", 200, "features")]
    public async Task A_GeoJSON_import_of_the_wrong_shape_is_refused_naming_the_part(string body, int status, string field)
    {
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/devices/import", PlatformApi.Admin, new StringContent(body, Encoding.UTF8, "application/geo+json"));
        var answer = await PlatformApi.BodyAsync(response);

        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode} {answer.ToJsonString()}");
        if (status == 400)
        {
            Assert.NotNull(answer["errors"]?[field]);
        }
        else
        {
            var rejected = answer["rejected"]!.AsArray();
            Assert.All(rejected, r => Assert.Equal(1, r!["row"]!.GetValue<int>()));
            Assert.Contains(rejected, r => r!["field"]!.GetValue<string>() == field);
            Assert.Empty(answer["accepted"]!.AsArray());
        }
    }

    [Fact]
    public async Task A_null_inside_a_list_of_objects_is_a_400_naming_its_place()
    {
        var signal = new
        {
            id = MemoryPlatformFixture.NewId("sig"),
            kind = "trafficSignal",
            name = "Junction",
            location = new { latitude = 37.5, longitude = 126.9 },
            district = "Hostile",
            zone = "j",
            trafficSignal = new { cycleSeconds = 120, phases = new object?[] { null, new { phase = 2, minGreenSeconds = 10, maxGreenSeconds = 40, yellowSeconds = 3, redClearanceSeconds = 2 } } },
        };

        using var response = await Api.PostJsonAsync("/api/devices", signal, PlatformApi.Admin);
        var problem = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("trafficSignal.phases[0]", problem["errors"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/devices", 2)]
    [InlineData("/api/devices/import", 17)]
    public async Task A_body_over_the_documented_limit_is_a_413_not_a_crash(string path, int megabytes)
    {
        var body = new byte[megabytes * 1024 * 1024];
        Array.Fill(body, (byte)' ');
        body[0] = (byte)'{';
        body[^1] = (byte)'}';
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(path.EndsWith("import", StringComparison.Ordinal) ? "text/csv" : "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Api.TokenAsync(PlatformApi.Admin.User, PlatformApi.Admin.Password));

        // As a well-behaved client sends a large body: it waits for the server's go-ahead, which here is the refusal.
        request.Headers.ExpectContinue = true;
        using var http = new HttpClient { BaseAddress = fixture.Platform.BaseAddress };
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public async Task Invalid_UTF_8_in_a_telemetry_string_is_a_4xx(byte[] bad)
    {
        var gas = MemoryPlatformFixture.NewId("gas");
        var credential = await Api.OnboardAsync(TestDevices.Gas(gas, "Hostile"));
        var prefix = Encoding.UTF8.GetBytes($$"""{"readings":[{"deviceId":"{{gas}}","timestamp":"{{DateTimeOffset.UtcNow:O}}","metric":"concentration","value":1,"unit":"pp""");
        var suffix = Encoding.UTF8.GetBytes("\"}]}");
        var content = new ByteArrayContent([.. prefix, .. bad, .. suffix]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Secret}")));
        using var http = new HttpClient { BaseAddress = fixture.Platform.BaseAddress };

        using var response = await http.SendAsync(request);

        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Theory]
    [InlineData("%20")]
    [InlineData("%09")]
    [InlineData("%E2%80%83")]
    public async Task A_blank_incident_id_is_a_4xx_on_every_incident_route(string id)
    {
        var statuses = new List<(string, int)>();
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"/api/incidents/{id}"),
            (HttpMethod.Get, $"/api/incidents/{id}/nearest-cameras"),
            (HttpMethod.Get, $"/api/incidents/{id}/media/0"),
            (HttpMethod.Get, $"/api/incidents/{id}/cap"),
            (HttpMethod.Post, $"/api/incidents/{id}/actions/acknowledge"),
        })
        {
            using var response = await Api.SendAsync(method, path, PlatformApi.Operator);
            statuses.Add((path, (int)response.StatusCode));
        }

        Assert.All(statuses, s => Assert.InRange(s.Item2, 400, 499));
    }

    [Theory]
    [InlineData("from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z")]
    [InlineData("from=9999-12-30T00:00:00Z&to=9999-12-31T23:59:59Z")]
    [InlineData("from=-infinity")]
    public async Task Extreme_date_ranges_in_incident_queries_are_answered_without_a_5xx(string query)
    {
        using var response = await Api.SendAsync(HttpMethod.Get, "/api/incidents?" + query, PlatformApi.Operator);

        Assert.True((int)response.StatusCode is 200 or (>= 400 and < 500), $"{(int)response.StatusCode}");
    }

    /// <summary>Refusing a deeply nested document takes time in proportion to its size: depth is limited before the schema is applied.</summary>
    [Fact]
    public async Task A_deeply_nested_CAP_document_is_refused_in_time_linear_in_its_size()
    {
        var times = new List<(int Kilobytes, double Milliseconds)>();
        foreach (var depth in new[] { 10_000, 20_000, 50_000 })
        {
            var xml = "<?xml version=\"1.0\"?><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
                + string.Concat(Enumerable.Repeat("<a>", depth)) + string.Concat(Enumerable.Repeat("</a>", depth)) + "</alert>";
            var content = new StringContent(xml, Encoding.UTF8, "application/xml");
            var started = Stopwatch.GetTimestamp();
            using var response = await Api.SendAsync(HttpMethod.Post, "/api/cap", PlatformApi.Operator, content);
            times.Add((xml.Length / 1024, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.True(times[^1].Milliseconds < 2000, string.Join(", ", times.Select(t => $"{t.Kilobytes} KB: {t.Milliseconds:0} ms")));
    }
}
