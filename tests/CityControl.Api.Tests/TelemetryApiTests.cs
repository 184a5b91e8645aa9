using System.Net;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

[Collection(MemoryPlatformCollection.Name)]
public sealed class TelemetryApiTests(MemoryPlatformFixture fixture)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private PlatformApi Api => fixture.Api;

    [Fact]
    public async Task A_credential_past_its_share_gets_429_with_Retry_After_and_keeps_nothing_of_those_batches_while_others_go_on()
    {
        var settings = PlatformSettings.Memory();
        settings["CityControl:Ingest:RequestsPerSecondPerCredential"] = "2";
        settings["CityControl:Ingest:BurstPerCredential"] = "4";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var (noisy, quiet) = (MemoryPlatformFixture.NewId("gas"), MemoryPlatformFixture.NewId("gas"));
        var noisyCredential = await platform.Api.OnboardAsync(TestDevices.Gas(noisy));
        var quietCredential = await platform.Api.OnboardAsync(TestDevices.Gas(quiet));
        var now = DateTimeOffset.UtcNow;

        // Ten batches at once from one device: its burst of four is taken, the rest refused.
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var response = await platform.Api.PostTelemetryAsync(noisyCredential, new { readings = new[] { TestDevices.Reading(noisy, now.AddSeconds(i - 30), "concentration", 1 + i, "ppm") } });
            return (response.StatusCode, response.Headers.RetryAfter?.Delta);
        }));
        using var other = await platform.Api.PostTelemetryAsync(quietCredential, new { readings = new[] { TestDevices.Reading(quiet, now.AddSeconds(-5), "concentration", 3, "ppm") } });
        var history = await platform.Api.GetJsonAsync($"/api/devices/{noisy}/readings?max=100");

        var accepted = answers.Count(a => a.StatusCode == HttpStatusCode.Accepted);
        Assert.InRange(accepted, 4, 5); // the burst, and one more if a token came back while they ran
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Accepted), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        Assert.All(answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests), a => Assert.InRange(a.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)));
        Assert.Equal(accepted, history.AsArray().Count);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }

    [Fact]
    public async Task A_mixed_batch_keeps_the_good_readings_and_names_the_field_and_rule_of_each_bad_one()
    {
        var gas = MemoryPlatformFixture.NewId("gas");
        var flood = MemoryPlatformFixture.NewId("flood");
        await Api.OnboardAsync(TestDevices.Gas(gas));
        await Api.OnboardAsync(TestDevices.Flood(flood));
        var gateway = await RegisterGateway(["Guro", "Yeouido"]);

        var readings = new object[]
        {
            TestDevices.Reading(gas, Now.AddSeconds(-10), "concentration", 4.5, "ppm"),
            TestDevices.Reading("no-such-device", Now, "concentration", 1, "ppm"),
            TestDevices.Reading(gas, Now, "waterLevel", 1, "m"),
            TestDevices.Reading(gas, Now, "concentration", "NaN", "ppm"),
            TestDevices.Reading(gas, Now.AddHours(2), "concentration", 1, "ppm"),
            TestDevices.Reading(gas, Now, "concentration", 1, "furlongs"),
            new { deviceId = gas, timestamp = "2026-11-24 10:00:00", metric = "concentration", value = 1, unit = "ppm" },
            "not an object",
            TestDevices.Reading(flood, Now.AddSeconds(-5), "waterLevel", 45, "cm"),
            new { deviceId = gas, timestamp = Now.ToString("O"), metric = "concentration", unit = "ppm" },
        };

        using var response = await Api.PostTelemetryAsync(gateway, new { readings });
        var body = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, body["accepted"]!.GetValue<int>());
        Assert.Equal(8, body["rejected"]!.GetValue<int>());
        var rejections = body["rejections"]!.AsArray().Select(r => (r!["index"]!.GetValue<int>(), r["field"]!.GetValue<string>(), r["reason"]!.GetValue<string>())).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 9], rejections.Select(r => r.Item1));
        Assert.Equal(["deviceId", "metric", "value", "timestamp", "unit", "timestamp", "reading", "value"], rejections.Select(r => r.Item2));
        Assert.Contains("unknown device 'no-such-device'", rejections[0].Item3, StringComparison.Ordinal);
        Assert.Contains("not a gasSensor metric", rejections[1].Item3, StringComparison.Ordinal);
        Assert.Contains("finite", rejections[2].Item3, StringComparison.Ordinal);
        Assert.Contains("in the future", rejections[3].Item3, StringComparison.Ordinal);
        Assert.Contains("'furlongs' is not a unit of concentration", rejections[4].Item3, StringComparison.Ordinal);
        Assert.Contains("with an offset", rejections[5].Item3, StringComparison.Ordinal);
        Assert.Equal("is required", rejections[7].Item3);

        var gasState = await Api.GetJsonAsync($"/api/devices/{gas}");
        Assert.Equal(4.5, gasState["latestReadings"]!["concentration"]!["value"]!.GetValue<double>());
        var floodState = await Api.GetJsonAsync($"/api/devices/{flood}");
        Assert.Equal(0.45, floodState["latestReadings"]!["waterLevel"]!["value"]!.GetValue<double>(), 6);
        Assert.Equal("m", floodState["latestReadings"]!["waterLevel"]!["unit"]!.GetValue<string>());
        Assert.Equal("alert", floodState["live"]!["floodStage"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_batch_with_no_good_reading_is_refused_with_every_reason()
    {
        var gas = MemoryPlatformFixture.NewId("gas");
        var credential = await Api.OnboardAsync(TestDevices.Gas(gas));

        using var response = await Api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, Now, "concentration", "Infinity", "ppm") } });
        var body = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("value", body["rejections"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_number_too_large_for_a_double_is_refused_as_not_finite()
    {
        var gas = MemoryPlatformFixture.NewId("gas");
        var credential = await Api.OnboardAsync(TestDevices.Gas(gas));
        var json = $$"""{"readings":[{"deviceId":"{{gas}}","timestamp":"{{Now:O}}","metric":"concentration","value":1e999,"unit":"ppm"}]}""";

        using var response = await Api.PostTelemetryAsync(credential, json);
        var body = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("finite", body["rejections"]![0]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_or_missing_credentials_get_401_and_nothing_is_stored()
    {
        var gas = MemoryPlatformFixture.NewId("gas");
        var (username, _) = await Api.OnboardAsync(TestDevices.Gas(gas));
        var batch = new { readings = new[] { TestDevices.Reading(gas, Now, "concentration", 3, "ppm") } };

        using var wrong = await Api.PostTelemetryAsync((username, "not-the-secret"), batch);
        using var none = await Api.PostTelemetryAsync(null, batch);
        using var unknown = await Api.PostTelemetryAsync(("device:nobody", "x"), batch);
        using var malformed = await Api.PostTelemetryAsync(("camera-7", "x"), batch);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, malformed.StatusCode);
        var device = await Api.GetJsonAsync($"/api/devices/{gas}");
        Assert.Empty(device["latestReadings"]!.AsObject());
    }

    [Fact]
    public async Task A_device_credential_sends_only_for_its_own_device_and_a_gateway_only_for_its_districts()
    {
        var mine = MemoryPlatformFixture.NewId("gas");
        var other = MemoryPlatformFixture.NewId("gas");
        var elsewhere = MemoryPlatformFixture.NewId("gas");
        var credential = await Api.OnboardAsync(TestDevices.Gas(mine, district: "Guro"));
        await Api.OnboardAsync(TestDevices.Gas(other, district: "Guro"));
        await Api.OnboardAsync(TestDevices.Gas(elsewhere, district: "Mapo"));
        var gateway = await RegisterGateway(["guro"]);
        var batch = new
        {
            readings = new[]
            {
                TestDevices.Reading(mine, Now, "concentration", 1, "ppm"),
                TestDevices.Reading(other, Now, "concentration", 1, "ppm"),
                TestDevices.Reading(elsewhere, Now, "concentration", 1, "ppm"),
            },
        };

        var byDevice = await PlatformApi.BodyAsync(await Api.PostTelemetryAsync(credential, batch));
        var byGateway = await PlatformApi.BodyAsync(await Api.PostTelemetryAsync(gateway, batch));

        Assert.Equal([1, 2], byDevice["rejections"]!.AsArray().Select(r => r!["index"]!.GetValue<int>()));
        Assert.Equal([2], byGateway["rejections"]!.AsArray().Select(r => r!["index"]!.GetValue<int>()));
        Assert.Contains("may not send readings", byGateway["rejections"]![0]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_empty_and_malformed_batches_are_4xx_problems_naming_the_field()
    {
        var gas = MemoryPlatformFixture.NewId("gas");
        var credential = await Api.OnboardAsync(TestDevices.Gas(gas));
        var tooMany = Enumerable.Range(0, 5001).Select(i => TestDevices.Reading(gas, Now.AddSeconds(-i), "concentration", 1, "ppm")).ToArray();

        using var oversized = await Api.PostTelemetryAsync(credential, new { readings = tooMany });
        using var empty = await Api.PostTelemetryAsync(credential, new { readings = Array.Empty<object>() });
        using var missing = await Api.PostTelemetryAsync(credential, new { values = 1 });
        using var broken = await Api.PostTelemetryAsync(credential, "{\"readings\": [ {\"deviceId\": ");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal("readings", FirstErrorField(await PlatformApi.BodyAsync(oversized)));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("readings", FirstErrorField(await PlatformApi.BodyAsync(empty)));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal("body", FirstErrorField(await PlatformApi.BodyAsync(broken)));
        Assert.Equal("application/problem+json", broken.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_413_not_a_crash()
    {
        var gas = MemoryPlatformFixture.NewId("gas");
        var credential = await Api.OnboardAsync(TestDevices.Gas(gas));
        var huge = "{\"readings\":[\"" + new string('x', 5 * 1024 * 1024) + "\"]}";

        using var response = await Api.PostTelemetryAsync(credential, huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_retried_batch_is_counted_once_and_a_decommissioned_device_takes_no_readings()
    {
        var gas = MemoryPlatformFixture.NewId("gas");
        var credential = await Api.OnboardAsync(TestDevices.Gas(gas));
        var batch = new { readings = new[] { TestDevices.Reading(gas, Now.AddSeconds(-30), "concentration", 2, "ppm"), TestDevices.Reading(gas, Now.AddSeconds(-20), "concentration", 3, "ppm") } };

        (await Api.PostTelemetryAsync(credential, batch)).Dispose();
        (await Api.PostTelemetryAsync(credential, batch)).Dispose();
        var history = (await Api.GetJsonAsync($"/api/devices/{gas}/readings")).AsArray();
        using var decommission = await Api.SendAsync(HttpMethod.Delete, $"/api/devices/{gas}", PlatformApi.Admin);
        using var after = await Api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, Now, "concentration", 9, "ppm") } });

        Assert.Equal([2.0, 3.0], history.Select(r => r!["value"]!.GetValue<double>()));
        Assert.Equal(HttpStatusCode.OK, decommission.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    private async Task<(string, string)> RegisterGateway(string[] districts)
    {
        using var response = await Api.PostJsonAsync("/api/gateways", new { id = MemoryPlatformFixture.NewId("gw"), name = "Test gateway", districts }, PlatformApi.Admin);
        var body = await PlatformApi.BodyAsync(response);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (body["credential"]!["username"]!.GetValue<string>(), body["credential"]!["secret"]!.GetValue<string>());
    }

    private static string? FirstErrorField(JsonNode problem) =>
        problem["errors"]?.AsObject().Select(kv => kv.Key).FirstOrDefault();
}
