using Azure.Storage.Blobs;
using CityControl.ServiceDefaults;
using CityControl.Video.Evidence;
using CityControl.Web.Api;
using CityControl.Storage.Audit;

namespace CityControl.Web.Video;

/// <summary>
/// The video API of a front end: analytics settings, video events, live views relayed from the worker that runs the
/// camera, and evidence read back (and checked against its hash) from the storage account. No pipeline runs here.
/// </summary>
public static class VideoFeature
{
    /// <summary>The container the video workers write evidence to (<c>CityControl:Video:EvidenceContainer</c>).</summary>
    private const string EvidenceContainerKey = "CityControl:Video:EvidenceContainer";

    /// <summary>The blob container of the video audit trail (append blobs, one per front end process and day).</summary>
    public const string AuditContainer = "video-audit";

    public static WebApplicationBuilder AddVideo(this WebApplicationBuilder builder, StorageOptions storage)
    {
        if (storage.Mode == StorageMode.AzureStorage)
        {
            var container = builder.Configuration[EvidenceContainerKey] ?? "evidence";
            builder.Services.AddSingleton(sp => new BlobEvidenceStore(sp.GetRequiredService<BlobServiceClient>(), container));
            builder.Services.AddSingleton<IAuditTrail>(sp => new BlobAuditTrail(sp.GetRequiredService<BlobServiceClient>(), AuditContainer, sp.GetRequiredService<CityControl.Rules.CityClock>().Time));
        }
        else
        {
            builder.Services.AddSingleton<IAuditTrail>(sp => new MemoryAuditTrail(sp.GetRequiredService<CityControl.Rules.CityClock>().Time));
        }

        builder.Services.AddSingleton<VideoAccess>();

        return builder;
    }

    public static IEndpointRouteBuilder MapVideo(this IEndpointRouteBuilder app) => app.MapVideoEndpoints();
}
