using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CityControl.ServiceDefaults;

/// <summary>
/// What every CityControl host (silo, web front end, video worker) adds in the same way, in the manner of eShop's
/// ServiceDefaults: console logging, OpenTelemetry metrics and traces, health checks, problem details, a bounded
/// shutdown; and, for the hosts that talk to it themselves, the storage account.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The meters and activity sources of the platform's own code.</summary>
    public const string PlatformMeter = PlatformMetrics.Meter;

    /// <summary>Orleans' meters and traces.</summary>
    private static readonly string[] OrleansMeters = ["Microsoft.Orleans"];
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        // Orleans' and the HTTP client's information lines drown the platform's own; configuration may still lower these.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(PlatformMeter)
                .AddMeter(OrleansMeters)
                .AddPrometheusExporter());

        // Traces only where a collector takes them (OTEL_EXPORTER_OTLP_ENDPOINT): an activity per request and per grain
        // call costs ingest about a tenth of its throughput, for nothing when no one reads them.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsScrapeOrHealth(context.Request.Path))
                .AddSource(PlatformMeter)
                .AddSource(OrleansSources)
                .AddOtlpExporter());
        }

        // A stop is bounded: what cannot be saved in this time is logged and left to the journal's replay.
        var shutdown = builder.Configuration.GetValue("CityControl:ShutdownTimeout", TimeSpan.FromSeconds(20));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdown);
        builder.Services.AddHostedService<ShutdownDeadline>();

        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>The storage account every host shares (Azurite on loopback in the embedded default), validated at start.</summary>
    public static StorageOptions AddPlatformStorage(this IHostApplicationBuilder builder)
    {
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        builder.Services.AddOptions<StorageOptions>().Bind(builder.Configuration.GetSection(StorageOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        if (storage.Mode == StorageMode.AzureStorage)
        {
            builder.Services.AddSingleton(sp => new BlobServiceClient(sp.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString));
            // Degraded, not failed, while storage is away: the host still serves what it holds, and recovers on its own.
            builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>(StorageHealthCheck.Name, failureStatus: Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);
        }

        return storage;
    }

    /// <summary>Health at <c>/healthz</c> (every check, as JSON) and the Prometheus scrape at <c>/metrics</c>.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = HealthResponse.Write });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static bool IsScrapeOrHealth(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/healthz");
}
