using Azure.Storage.Blobs;
using CityControl.Rules.Video;
using CityControl.ServiceDefaults;
using CityControl.Video.Detection;
using CityControl.Video.Evidence;
using CityControl.Video.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CityControl.Video.Hosting;

/// <summary>
/// A video worker: its own process, an Orleans client of the platform's cluster. It runs the pipelines of the cameras
/// the video partitions give it (native OpenCV lives here and nowhere else, so a camera that crashes the library takes
/// down this worker only, and its cameras move to the others), writes evidence to the storage account, and answers
/// the front ends' questions for live views through the partitions. Its own HTTP port serves health and metrics only.
/// </summary>
public static class VideoWorkerApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(VideoWorkerApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddServiceDefaults("citycontrol-video");
        var storage = builder.AddPlatformStorage();
        builder.AddClusterClient(storage);
        builder.AddVideoPipelines(storage);
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("orleans").AddCheck<PipelineHealthCheck>("pipelines");

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/pipelines", (CameraPipelineHost host) => Results.Ok(host.Pipelines.OrderBy(p => p.CameraId, StringComparer.Ordinal)));
        return app;
    }

    /// <summary>Camera pipelines with their options, their sink (the camera grains) and, on Azure Storage, their evidence store.</summary>
    public static IHostApplicationBuilder AddVideoPipelines(this IHostApplicationBuilder builder, StorageOptions storage)
    {
        var services = builder.Services;
        services.AddOptions<CameraSourceOptions>().Bind(builder.Configuration.GetSection(CameraSourceOptions.Section));
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
            services.AddSingleton<IEvidenceStore>(sp => new BlobEvidenceStore(sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<IOptions<PipelineOptions>>().Value.EvidenceContainer));
        }

        services.AddOptions<DetectorSettings>().Bind(builder.Configuration.GetSection(DetectorSettings.Section))
            .Validate(o => o.Threads is >= 1 and <= 64, "CityControl:Video:Detector:Threads must be between 1 and 64")
            .ValidateOnStart();
        services.AddSingleton<DetectorProvider>();
        services.AddSingleton<CameraPipelineHost>();
        services.AddHostedService(sp => sp.GetRequiredService<CameraPipelineHost>());
        services.AddHostedService<VideoMetrics>();
        return builder;
    }

    /// <summary>Healthy while every pipeline's stream is up; degraded (not failed: the worker itself is fine) when some are down.</summary>
    private sealed class PipelineHealthCheck(CameraPipelineHost host) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var pipelines = host.Pipelines;
            var down = pipelines.Where(p => !p.StreamUp).Select(p => p.CameraId).Order(StringComparer.Ordinal).ToList();
            var data = new Dictionary<string, object> { ["worker"] = host.WorkerId, ["pipelines"] = pipelines.Count, ["streamsDown"] = down.Count };
            return Task.FromResult(down.Count == 0
                ? HealthCheckResult.Healthy($"{pipelines.Count} pipelines, every stream up", data)
                : HealthCheckResult.Degraded($"{down.Count} of {pipelines.Count} streams down: {string.Join(", ", down.Take(10))}", data: data));
        }
    }
}
