using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using CityControl.Storage.Audit;
using CityControl.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CityControl.Tests.Integration;

/// <summary>The video audit trail in real append blobs (Azurite): read back in order, and a changed line is found.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AuditTrailTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Records_come_back_as_written_per_day_and_a_line_changed_in_storage_breaks_the_chain_there()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 23, 59, 58, TimeSpan.Zero));
        var container = "audit-" + Guid.NewGuid().ToString("N")[..8];
        var service = new BlobServiceClient(azurite.ConnectionString);
        using var trail = new BlobAuditTrail(service, container, time);
        var ct = TestContext.Current.CancellationToken;

        await trail.AppendAsync(new JsonObject { ["kind"] = "view", ["user"] = "fire", ["camera"] = "cam-1" }, ct);
        await trail.AppendAsync(new JsonObject { ["kind"] = "refused", ["user"] = "fire", ["camera"] = "cam-2" }, ct);
        time.Advance(TimeSpan.FromSeconds(5)); // past midnight: the next record starts the next day's file
        await trail.AppendAsync(new JsonObject { ["kind"] = "grant", ["user"] = "operator", ["camera"] = "cam-1" }, ct);

        var both = await trail.ReadAsync(new DateOnly(2026, 11, 26), new DateOnly(2026, 11, 27), ct);
        var first = await trail.ReadAsync(new DateOnly(2026, 11, 26), new DateOnly(2026, 11, 26), ct);
        Assert.Equal(["view", "refused", "grant"], both.Records.Select(r => r["kind"]!.GetValue<string>()));
        Assert.Equal(2, first.Records.Count);
        Assert.Empty(both.BrokenFiles);

        // Someone with the storage key rewrites the first day's file: the view taken out, the refusal made a view.
        var blobs = service.GetBlobContainerClient(container);
        var name = blobs.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "2026-11-26/", ct).Single().Name;
        var lines = (await blobs.GetBlobClient(name).DownloadContentAsync(ct)).Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await blobs.GetBlobClient(name).DeleteAsync(cancellationToken: ct);
        var edited = blobs.GetAppendBlobClient(name);
        await edited.CreateAsync(cancellationToken: ct);
        await edited.AppendBlockAsync(new MemoryStream(Encoding.UTF8.GetBytes(lines[1].Replace("\"refused\"", "\"view\"", StringComparison.Ordinal) + "\n")), cancellationToken: ct);

        var tampered = await trail.ReadAsync(new DateOnly(2026, 11, 26), new DateOnly(2026, 11, 26), ct);
        Assert.Equal([name], tampered.BrokenFiles);
        Assert.Equal(["view"], tampered.Records.Select(r => r["kind"]!.GetValue<string>()));
    }
}
