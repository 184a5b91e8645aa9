using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;

namespace CityControl.Storage.DataProtection;

/// <summary>
/// The data-protection key ring (which signs sign-in cookies and bearer tokens) as one blob per key in the shared
/// storage account, so that a token issued by one web front end is honoured by every other, and survives them all.
/// A key is written once and never overwritten; the runtime retires keys by writing revocations, as it does on disk.
/// </summary>
public sealed class BlobXmlRepository(BlobContainerClient container) : IXmlRepository
{
    private volatile bool _created;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        EnsureContainer();
        var elements = new List<XElement>();
        foreach (var item in container.GetBlobs())
        {
            var content = container.GetBlobClient(item.Name).DownloadContent().Value.Content;
            using var stream = content.ToStream();
            elements.Add(XElement.Load(stream));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        EnsureContainer();
        var bytes = BinaryData.FromString(element.ToString(SaveOptions.DisableFormatting));
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/xml" },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        try
        {
            container.GetBlobClient($"{friendlyName}.xml").Upload(bytes, options);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // The same friendly name from another front end (a revocation at the same instant): keep both.
            container.GetBlobClient($"{friendlyName}-{Guid.NewGuid():N}.xml").Upload(bytes, options);
        }
    }

    private void EnsureContainer()
    {
        if (!_created)
        {
            container.CreateIfNotExists();
            _created = true;
        }
    }
}

public static class BlobKeyRingExtensions
{
    /// <summary>Keeps the key ring in <paramref name="containerName"/> of the storage account registered as <see cref="BlobServiceClient"/>.</summary>
    public static IDataProtectionBuilder PersistKeysToBlobContainer(this IDataProtectionBuilder builder, string containerName)
    {
        builder.Services.AddOptions<KeyManagementOptions>().Configure<BlobServiceClient>((o, blobs) =>
            o.XmlRepository = new BlobXmlRepository(blobs.GetBlobContainerClient(containerName)));
        return builder;
    }
}
