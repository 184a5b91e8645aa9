using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using CityControl.Devices;

namespace CityControl.Storage.History;

/// <summary>
/// Device histories in Azure Blob Storage: an append blob per device and generation (<c>{deviceId}/{generation}</c>),
/// each checkpoint one block of JSON lines, so a checkpoint adds what is new without reading what is there. A block
/// written twice (an append retried after its answer was lost) is read once: readers drop repeated readings.
/// </summary>
public sealed class BlobReadingHistoryStore(BlobServiceClient service, string containerName) : IReadingHistoryStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly BlobContainerClient _container = service.GetBlobContainerClient(containerName);
    private volatile bool _containerExists;

    public async Task Append(string deviceId, long generation, IReadOnlyList<Reading> readings, bool startsGeneration = false, CancellationToken cancellationToken = default)
    {
        if (readings.Count == 0)
        {
            return;
        }

        var block = Encode(readings);
        var blob = Blob(deviceId, generation);
        if (startsGeneration)
        {
            await Create(blob, cancellationToken);
        }

        try
        {
            await AppendBlock(blob, block, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && !startsGeneration)
        {
            // The generation's first block after all (its start was not known): create, then append.
            await Create(blob, cancellationToken);
            await AppendBlock(blob, block, cancellationToken);
        }
    }

    private static readonly AppendBlobCreateOptions JsonLines = new() { HttpHeaders = new() { ContentType = "application/x-ndjson" } };

    /// <summary>Creates the generation's blob (and the container, the first time the store finds it missing).</summary>
    private async Task Create(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            await blob.CreateIfNotExistsAsync(JsonLines, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && !_containerExists)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _containerExists = true;
            await blob.CreateIfNotExistsAsync(JsonLines, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<Reading>> Read(string deviceId, long generation, CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await Blob(deviceId, generation).DownloadContentAsync(cancellationToken);
            return Decode(content.Value.Content.ToMemory());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }

    public Task Delete(string deviceId, long generation, CancellationToken cancellationToken = default) =>
        Blob(deviceId, generation).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    private AppendBlobClient Blob(string deviceId, long generation) =>
        _container.GetAppendBlobClient($"{deviceId}/{generation:D12}.jsonl");

    private static async Task AppendBlock(AppendBlobClient blob, byte[] block, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(block, writable: false);
        await blob.AppendBlockAsync(stream, cancellationToken: cancellationToken);
    }

    internal static byte[] Encode(IReadOnlyList<Reading> readings)
    {
        using var buffer = new MemoryStream();
        foreach (var reading in readings)
        {
            JsonSerializer.Serialize(buffer, new Line(reading.Timestamp, reading.Metric, reading.Value, reading.Unit), Json);
            buffer.WriteByte((byte)'\n');
        }

        return buffer.ToArray();
    }

    /// <summary>The readings of a blob; a line that does not parse (a torn block) is skipped, not the blob.</summary>
    internal static List<Reading> Decode(ReadOnlyMemory<byte> content)
    {
        var readings = new List<Reading>();
        var rest = content;
        while (!rest.IsEmpty)
        {
            var end = rest.Span.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (line.IsEmpty)
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<Line>(line.Span, Json) is { Metric: not null, Unit: not null } l)
                {
                    readings.Add(new Reading(l.Timestamp, l.Metric, l.Value, l.Unit));
                }
            }
            catch (JsonException)
            {
            }
        }

        return readings;
    }

    private sealed record Line(DateTimeOffset Timestamp, string Metric, double Value, string Unit);
}
