using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace CityControl.Video.Evidence;

/// <summary>
/// Evidence in Azure Blob Storage (Azurite locally). Blobs are written once (an existing name is refused, never
/// overwritten); the SHA-256 goes with the event to the camera grain and the incident, which hold the hash of record,
/// and also into the blob's metadata for people reading the container directly.
/// </summary>
public sealed class BlobEvidenceStore(BlobServiceClient service, string containerName) : IEvidenceStore
{
    private readonly BlobContainerClient _container = service.GetBlobContainerClient(containerName);
    private volatile bool _created;

    public BlobContainerClient Container => _container;

    public async Task<EvidenceItem> StoreAsync(string name, string kind, string contentType, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (!_created)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _created = true;
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
        var blob = _container.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(bytes), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Metadata = new Dictionary<string, string> { ["sha256"] = sha256, ["kind"] = kind },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        }, cancellationToken);
        return new EvidenceItem(kind, blob.Uri.ToString(), sha256, bytes.Length, contentType);
    }

    /// <summary>Reads an item back and checks its bytes against the hash of record; <see cref="EvidenceTamperedException"/> if they differ.</summary>
    public static async Task<byte[]> ReadVerifiedAsync(BlobContainerClient container, EvidenceItem item, CancellationToken cancellationToken)
    {
        var name = NameOf(container, item) ?? throw new ArgumentException($"evidence {item.Uri} is not in container {container.Name}", nameof(item));
        var content = await container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
        var bytes = content.Value.Content.ToArray();
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, item.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new EvidenceTamperedException(item, actual);
        }

        return bytes;
    }

    /// <summary>The blob name of an item stored in this container, or null for another container's.</summary>
    public static string? NameOf(BlobContainerClient container, EvidenceItem item)
    {
        var prefix = container.Uri.ToString().TrimEnd('/') + "/";
        return item.Uri.StartsWith(prefix, StringComparison.Ordinal) ? Uri.UnescapeDataString(item.Uri[prefix.Length..]) : null;
    }
}

/// <summary>Stored evidence whose bytes no longer match the SHA-256 recorded when it was stored.</summary>
public sealed class EvidenceTamperedException(EvidenceItem item, string actualSha256)
    : Exception($"evidence {item.Uri} has SHA-256 {actualSha256}, not the {item.Sha256} recorded when it was stored")
{
    public EvidenceItem Item { get; } = item;

    public string ActualSha256 { get; } = actualSha256;
}
