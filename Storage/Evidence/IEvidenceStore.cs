namespace CityControl.Video.Evidence;

/// <summary>Keeps evidence bytes and says where: the SHA-256 is computed here, before the bytes leave the pipeline.</summary>
public interface IEvidenceStore
{
    Task<EvidenceItem> StoreAsync(string name, string kind, string contentType, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);
}
