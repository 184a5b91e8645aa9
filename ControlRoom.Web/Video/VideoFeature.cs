using CityControl.Rules.Video;
using Azure.Storage.Blobs;
using CityControl.ServiceDefaults;
using CityControl.Video.Evidence;
using CityControl.Video.Hosting;
using CityControl.Video.Live;
using CityControl.Web.Api;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Video;

/// <summary>Camera pipelines, their evidence store and the video API (live views, evidence, analytics settings).</summary>
public static class VideoFeature
{
    public static WebApplicationBuilder AddVideo(this WebApplicationBuilder builder, StorageOptions storage)
    {
        var services = builder.Services;
        services.AddOptions<PipelineOptions>().Bind(builder.Configuration.GetSection(PipelineOptions.Section))
            .Configure<IOptions<CameraSourceOptions>>((o, sources) => o.Sources = sources.Value)
            .Validate(o => o.InitialBackoff > TimeSpan.Zero && o.MaxBackoff >= o.InitialBackoff, "CityControl:Video:InitialBackoff must be positive and MaxBackoff at least as long")
            .Validate(o => o.PreRollSeconds is >= 0 and <= 30 && o.PostRollSeconds is >= 0 and <= 30, "CityControl:Video:PreRollSeconds and PostRollSeconds must be between 0 and 30")
            .Validate(o => o.Ffmpeg.StallTimeout >= TimeSpan.FromSeconds(1), "CityControl:Video:Ffmpeg:StallTimeout must be at least 1 second")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IVideoEventSink, GrainVideoEventSink>();
        if (storage.Mode == StorageMode.AzureStorage)
        {
            services.AddSingleton(sp => new BlobEvidenceStore(sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<IOptions<PipelineOptions>>().Value.EvidenceContainer));
            services.AddSingleton<IEvidenceStore>(sp => sp.GetRequiredService<BlobEvidenceStore>());
        }

        services.AddSingleton<CameraPipelineHost>();
        services.AddHostedService(sp => sp.GetRequiredService<CameraPipelineHost>());
        return builder;
    }

    public static IEndpointRouteBuilder MapVideo(this IEndpointRouteBuilder app) => app.MapVideoEndpoints();
}
