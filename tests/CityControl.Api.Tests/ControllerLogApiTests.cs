using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>
/// A field gateway sends a signal controller's real hi-res log (Utah DOT's ATSPM data) through the ingest path: the
/// signal's live state, its history and the traffic view follow the log.
/// </summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class ControllerLogApiTests(MemoryPlatformFixture fixture)
{
    private PlatformApi Api => fixture.Api;

    private static ByteArrayContent Log(string mediaType, params string[] path)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(RepoPaths.Data(["traffic", "udot-atspm", .. path])));
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static string Path(string id, string query) => $"/api/telemetry/signals/{id}/event-log?{query}";

    [Fact]
    public async Task A_replayed_morning_peak_gives_the_signal_its_quarter_hour_volumes_by_approach()
    {
        var district = MemoryPlatformFixture.NewId("atspm");
        var id = "sig-" + district;
        var credential = await Api.OnboardAsync(TestDevices.Signal(id, district));
        var replayFrom = DateTimeOffset.UtcNow.AddHours(-3).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        using var upload = await Api.PostIngestAsync(Path(id, $"detectors=2:NB,6:SB&interval=900&replayFrom={replayFrom}"), credential, Log("text/csv", "ApproachVolumeTestLogs.csv"));
        var body = await PlatformApi.BodyAsync(upload);

        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        Assert.Equal(5747, body["events"]!.GetValue<int>());
        Assert.Equal((4070, 1677), (body["volumes"]!["NB"]!.GetValue<int>(), body["volumes"]!["SB"]!.GetValue<int>()));
        // 08:00 to 10:00 in quarter hours (the last holds one vehicle at 10:00:00), for two approaches.
        Assert.Equal((18, 0), (body["accepted"]!.GetValue<int>(), body["rejected"]!.GetValue<int>()));

        var history = (await Api.GetJsonAsync($"/api/devices/{id}/readings?metric=volume.NB&max=50", PlatformApi.Operator)).AsArray();
        Assert.Equal([576, 604, 477, 487, 479, 436, 531, 479, 1], history.Select(r => r!["value"]!.GetValue<double>()));
        var signal = (await Api.GetJsonAsync($"/api/traffic/signals?district={district}")).AsArray().Single()!;
        var approaches = signal["approaches"]!.AsArray().ToDictionary(a => a!["approach"]!.GetValue<string>(), a => a!["volume"]!.GetValue<double>());
        Assert.Equal(new Dictionary<string, double> { ["NB"] = 1, ["SB"] = 0 }, approaches);
    }

    [Fact]
    public async Task A_raw_econolite_log_drives_the_phase_now_green_and_reports_each_phase_service()
    {
        var district = MemoryPlatformFixture.NewId("econ");
        var id = "sig-" + district;
        var credential = await Api.OnboardAsync(TestDevices.Signal(id, district));
        var replayFrom = DateTimeOffset.UtcNow.AddMinutes(-20).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        using var upload = await Api.PostIngestAsync(Path(id, $"detectors=29:SB,31:SB,17:NB,18:NB&replayFrom={replayFrom}"), credential,
            Log("application/octet-stream", "raw-econolite-dat", "4895_ECON_controllerB_2024_02_21_1115.dat"));
        var body = await PlatformApi.BodyAsync(upload);

        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        Assert.Equal(1914, body["events"]!.GetValue<int>());
        Assert.Equal(0, body["rejected"]!.GetValue<int>());
        var phases = body["phases"]!.AsArray();
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], phases.Select(p => p!["phase"]!.GetValue<int>()));
        Assert.All(phases, p => Assert.True(p!["greenSeconds"]!.GetValue<double>() > 0));
        var signal = (await Api.GetJsonAsync($"/api/traffic/signals?district={district}")).AsArray().Single()!;
        Assert.Equal(2, signal["phase"]!.GetValue<int>()); // phases 2 and 6 began green together last: ring 1's
        Assert.Equal(39, (await Api.GetJsonAsync($"/api/devices/{id}/readings?metric=phase&max=100", PlatformApi.Operator)).AsArray().Count);
    }

    [Fact]
    public async Task A_bad_upload_is_refused_naming_the_field_and_the_rule()
    {
        var district = MemoryPlatformFixture.NewId("atspmbad");
        var id = "sig-" + district;
        var credential = await Api.OnboardAsync(TestDevices.Signal(id, district));
        var csv = () => Log("text/csv", "7115TerminationData.csv");

        async Task Refused(HttpStatusCode status, string field, string query, HttpContent content, (string, string)? who = null)
        {
            using var response = await Api.PostIngestAsync(Path(id, query), who ?? credential, content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"{query}: {(int)response.StatusCode} {text}");
            Assert.Contains(field, text, StringComparison.Ordinal);
        }

        await Refused(HttpStatusCode.BadRequest, "utcOffset", "detectors=2:NB", csv());
        await Refused(HttpStatusCode.BadRequest, "utcOffset", "utcOffset=%2B25:00", csv());
        await Refused(HttpStatusCode.BadRequest, "detectors", "utcOffset=%2B09:00&detectors=2:XB", csv());
        await Refused(HttpStatusCode.BadRequest, "detectors", "utcOffset=%2B09:00&detectors=2:NB,2:SB", csv());
        await Refused(HttpStatusCode.BadRequest, "interval", "utcOffset=%2B09:00&interval=5", csv());
        await Refused(HttpStatusCode.BadRequest, "replayFrom", "replayFrom=yesterday", csv());
        await Refused(HttpStatusCode.UnsupportedMediaType, "Content-Type", "utcOffset=%2B09:00", new StringContent("{}", Encoding.UTF8, "application/json"));
        await Refused(HttpStatusCode.UnprocessableEntity, "timestamp", "utcOffset=%2B09:00", new StringContent("7115,not a time,1,2\n", Encoding.UTF8, "text/csv"));
        // The log's own times, taken as they are, are years old: every reading is refused for its age, and says so.
        await Refused(HttpStatusCode.UnprocessableEntity, "timestamp", "utcOffset=-06:00", csv());
        await Refused(HttpStatusCode.Unauthorized, "", "utcOffset=%2B09:00", csv(), ("nobody", "wrong"));
        Assert.Empty((await Api.GetJsonAsync($"/api/devices/{id}/readings?max=10", PlatformApi.Operator)).AsArray());
    }
}
