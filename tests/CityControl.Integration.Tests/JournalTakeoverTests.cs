using System.Net;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using CityControl.Devices;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Web.Ingest;

namespace CityControl.Tests.Integration;

/// <summary>
/// A front end that acknowledged readings and died before they reached their devices: another front end of the
/// service replays its journal, and leaves a live one's alone. Real Azurite, real blob leases.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JournalTakeoverTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_front_end_replays_the_journal_of_one_that_died_after_acknowledging_and_leaves_a_live_ones_alone()
    {
        var settings = PlatformSettings.Azure(azurite.ConnectionString);
        settings["CityControl:Ingest:TakeoverScanInterval"] = "00:00:01";
        var service = settings["CityControl:Silo:ServiceId"];
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..10];
        await platform.Api.OnboardAsync(TestDevices.Gas(gas, "Takeover"));
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(BlobIngestJournal.ContainerName);
        var now = DateTimeOffset.UtcNow;

        // Two other front ends of the service journaled a reading each. One still holds its journal; one died (its
        // hold runs out: here, it was never renewed) before the reading reached the device.
        var (dead, live) = ("dead-" + Guid.NewGuid().ToString("N")[..6], "live-" + Guid.NewGuid().ToString("N")[..6]);
        await JournalAsync(container, service, dead, new JournalEntry(now, [new DeviceReadings(gas, DeviceKind.GasSensor, [new Reading(now.AddSeconds(-3), "concentration", 12.5, "ppm")])]));
        await JournalAsync(container, service, live, new JournalEntry(now, [new DeviceReadings(gas, DeviceKind.GasSensor, [new Reading(now.AddSeconds(-2), "concentration", 13.5, "ppm")])]));
        var liveHold = container.GetBlobClient($"owners/{service}/{live}").GetBlobLeaseClient();
        await liveHold.AcquireAsync(TimeSpan.FromSeconds(60), cancellationToken: TestContext.Current.CancellationToken);

        var values = await WaitAsync(platform.Api, gas, v => v.Contains(12.5));
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken); // two more scans: the live one is still left alone
        var afterScans = await ValuesAsync(platform.Api, gas);
        var health = await platform.Api.GetJsonAsync("/healthz");
        var owner = await container.GetBlobClient($"owners/{service}/{dead}").GetPropertiesAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([12.5], values);
        Assert.Equal([12.5], afterScans);
        var data = health["checks"]!["ingest-journal"]!["data"]!;
        Assert.Equal(1, data["takeovers"]!.GetValue<int>());
        Assert.Equal(dead, data["lastTakeoverJournal"]!.GetValue<string>());
        Assert.Equal(now, DateTimeOffset.Parse(owner.Value.Metadata["replayedthrough"], System.Globalization.CultureInfo.InvariantCulture));

        // The live one dies too: its reading is replayed once its hold is gone; the dead one's is not replayed again.
        await liveHold.ReleaseAsync(cancellationToken: TestContext.Current.CancellationToken);
        var both = await WaitAsync(platform.Api, gas, v => v.Contains(13.5));
        Assert.Equal([12.5, 13.5], both);
        Assert.Equal(2, (await platform.Api.GetJsonAsync("/healthz"))["checks"]!["ingest-journal"]!["data"]!["takeovers"]!.GetValue<int>());
    }

    /// <summary>What a front end leaves in storage: its owner blob, and a journal segment with the entry.</summary>
    private static async Task JournalAsync(BlobContainerClient container, string service, string journal, JournalEntry entry)
    {
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient($"owners/{service}/{journal}").UploadAsync(BinaryData.FromString(""), overwrite: true);
        var segment = container.GetAppendBlobClient($"{journal}/{entry.ReceivedAt:yyyyMMdd'T'HHmmss'.'fffffff}-{Guid.NewGuid():N}.ndjson");
        await segment.CreateAsync();
        await segment.AppendBlockAsync(new MemoryStream(JournalFormat.ToLine(entry)));
    }

    private static async Task<List<double>> ValuesAsync(PlatformApi api, string device) =>
        [.. (await api.GetJsonAsync($"/api/devices/{device}/readings?max=100")).AsArray().Select(r => r!["value"]!.GetValue<double>())];

    private static async Task<List<double>> WaitAsync(PlatformApi api, string device, Func<List<double>, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var values = await ValuesAsync(api, device);
            if (done(values))
            {
                return values;
            }

            await Task.Delay(250, timeout.Token);
        }
    }
}
