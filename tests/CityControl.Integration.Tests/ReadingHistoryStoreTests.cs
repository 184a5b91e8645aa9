using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using CityControl.Rules.Devices;
using CityControl.Devices;
using CityControl.Storage.History;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Integration;

/// <summary>Device histories in real append blobs (Azurite): what a device appends comes back once, in order, per generation.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReadingHistoryStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Appended_readings_come_back_per_generation_a_repeated_block_once_and_a_torn_line_is_skipped()
    {
        var ct = TestContext.Current.CancellationToken;
        var service = new BlobServiceClient(azurite.ConnectionString);
        var container = "history-" + Guid.NewGuid().ToString("N")[..8];
        var store = new BlobReadingHistoryStore(service, container); // the container does not exist yet
        var at = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.FromHours(9));
        Reading Numbered(int i) => new(at.AddSeconds(i), i % 2 == 0 ? MetricCatalog.WaterLevel : MetricCatalog.Temperature, 1.25 + i, i % 2 == 0 ? "m" : "°C");

        Assert.Empty(await store.Read("gauge-1", 0, ct));
        await store.Append("gauge-1", 0, [.. Enumerable.Range(0, 3).Select(Numbered)], cancellationToken: ct); // creates the container too
        await store.Append("gauge-1", 0, [.. Enumerable.Range(3, 2).Select(Numbered)], cancellationToken: ct);
        await store.Append("gauge-1", 1, [Numbered(5)], startsGeneration: true, cancellationToken: ct);
        await store.Append("gauge-2", 0, [Numbered(9)], startsGeneration: true, cancellationToken: ct);

        Assert.Equal(Enumerable.Range(0, 5).Select(Numbered), await store.Read("gauge-1", 0, ct));
        Assert.Equal([Numbered(5)], await store.Read("gauge-1", 1, ct));
        Assert.Equal([Numbered(9)], await store.Read("gauge-2", 0, ct));
        Assert.Equal(at.Offset, (await store.Read("gauge-1", 0, ct))[0].Timestamp.Offset);

        // An append repeated after a lost answer is in the blob twice: the store gives back what is there, and the
        // device's history window takes each reading once (DeviceGrainTests).
        await store.Append("gauge-1", 1, [Numbered(5)], cancellationToken: ct);
        Assert.Equal([Numbered(5), Numbered(5)], await store.Read("gauge-1", 1, ct));

        // A line changed in storage into something else costs that line only.
        var blob = service.GetBlobContainerClient(container).GetAppendBlobClient("gauge-2/000000000000.jsonl");
        await blob.AppendBlockAsync(new MemoryStream(Encoding.UTF8.GetBytes("{\"timestamp\":\"2026-11-27T0\n[1,2]\nnot json\n")), cancellationToken: ct);
        await store.Append("gauge-2", 0, [Numbered(10)], cancellationToken: ct);
        Assert.Equal([Numbered(9), Numbered(10)], await store.Read("gauge-2", 0, ct));

        await store.Delete("gauge-1", 0, ct);
        await store.Delete("gauge-1", 7, ct); // never written
        Assert.Empty(await store.Read("gauge-1", 0, ct));
        Assert.Equal(2, (await store.Read("gauge-1", 1, ct)).Count);
    }
}
