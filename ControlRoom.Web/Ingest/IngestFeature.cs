using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using CityControl.ServiceDefaults;
using CityControl.Web.Api;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Ingest;

/// <summary>The one way in for readings: validate, journal, route. HTTP telemetry and gateway registration map onto it.</summary>
public static class IngestFeature
{
    public static WebApplicationBuilder AddIngest(this WebApplicationBuilder builder, StorageOptions storage)
    {
        var services = builder.Services;
        services.AddOptions<IngestOptions>().Bind(builder.Configuration.GetSection(IngestOptions.Section))
            .Validate(o => o.MaxReadingsPerBatch is >= 1 and <= 20_000, "CityControl:Ingest:MaxReadingsPerBatch must be between 1 and 20000 (a batch is one journal block of at most 4 MiB)")
            .Validate(o => o.ReplayWindow > TimeSpan.Zero, "CityControl:Ingest:ReplayWindow must be positive")
            .Validate(o => o.DeliveryWait > TimeSpan.Zero, "CityControl:Ingest:DeliveryWait must be positive")
            .Validate(o => o.RequestsPerSecondPerCredential >= 0 && o.BurstPerCredential >= o.RequestsPerSecondPerCredential, "CityControl:Ingest:RequestsPerSecondPerCredential must not be negative and BurstPerCredential at least as many")
            .Validate(o => o.JournalWriteTimeout > TimeSpan.Zero && o.OutageRetryAfter >= TimeSpan.FromSeconds(1), "CityControl:Ingest:JournalWriteTimeout must be positive and OutageRetryAfter at least one second")
            .Validate(o => !string.IsNullOrWhiteSpace(o.JournalName) && !o.JournalName.Contains('/', StringComparison.Ordinal), "CityControl:Ingest:JournalName must be a non-empty name without '/'")
            .Validate(o => o.JournalLease >= TimeSpan.FromSeconds(15) && o.JournalLease <= TimeSpan.FromSeconds(60) && o.TakeoverScanInterval > TimeSpan.Zero && o.TakeoverScanInterval * 2 < o.JournalLease,
                "CityControl:Ingest:JournalLease must be 15 to 60 s (a blob lease) and TakeoverScanInterval less than half of it (the hold is renewed every scan)")
            .ValidateOnStart();

        var ingest = builder.Configuration.GetSection(IngestOptions.Section).Get<IngestOptions>() ?? new IngestOptions();
        if (ingest.Journal == JournalMode.Blob)
        {
            if (storage.Mode != StorageMode.AzureStorage)
            {
                throw new OptionsValidationException(IngestOptions.Section, typeof(IngestOptions),
                    ["CityControl:Ingest:Journal is Blob but CityControl:Storage:Mode is Memory: set Journal to None for a memory-only run"]);
            }

            services.AddSingleton<IIngestJournal>(sp => ActivatorUtilities.CreateInstance<BlobIngestJournal>(sp, TimeProvider.System));
        }
        else
        {
            services.AddSingleton<IIngestJournal, NoIngestJournal>();
        }

        services.AddRateLimiter(limits =>
        {
            limits.AddPolicy(IngestRateLimit, context =>
            {
                var o = context.RequestServices.GetRequiredService<IOptions<IngestOptions>>().Value;
                var credential = context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "anonymous";
                return o.RequestsPerSecondPerCredential == 0
                    ? RateLimitPartition.GetNoLimiter(credential)
                    : RateLimitPartition.GetTokenBucketLimiter(credential, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = o.BurstPerCredential,
                        TokensPerPeriod = o.RequestsPerSecondPerCredential,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
            limits.OnRejected = async (rejected, ct) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var ingest = rejected.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>()?.PolicyName == IngestRateLimit;
                await Results.Problem(
                    title: ingest
                        ? $"This credential sends more requests than its share; nothing of this batch was accepted; try again in {seconds} s."
                        : $"This user asks more queries than their share; try again in {seconds} s.",
                    statusCode: StatusCodes.Status429TooManyRequests)
                    .ExecuteAsync(rejected.HttpContext);
            };
        });
        services.AddSingleton<DeviceRoutingCache>();
        services.AddSingleton<IngestService>();

        // The journal's tail is replayed before anything else that touches devices starts.
        services.AddSingleton<JournalReplayService>();
        services.AddHostedService(sp => sp.GetRequiredService<JournalReplayService>());
        if (ingest.Journal == JournalMode.Blob)
        {
            // Then this front end holds its journal, and replays those of front ends of the service that died.
            services.AddSingleton(sp => ActivatorUtilities.CreateInstance<JournalTakeoverService>(sp, TimeProvider.System));
            services.AddHostedService(sp => sp.GetRequiredService<JournalTakeoverService>());
        }

        // Field devices and gateways that speak MQTT enter the same ingest path (off unless CityControl:Mqtt:Enabled).
        services.AddOptions<Mqtt.MqttIngestOptions>().BindConfiguration(Mqtt.MqttIngestOptions.Section)
            .Validate(o => o.MaxPacketBytes is >= 1024 and <= 256 * 1024 * 1024, "CityControl:Mqtt:MaxPacketBytes must be between 1024 and 268435456 (MQTT's largest packet)")
            .Validate(o => o.ConnectTimeout > TimeSpan.Zero, "CityControl:Mqtt:ConnectTimeout must be positive")
            .Validate(o => o.MaxConnections >= 1, "CityControl:Mqtt:MaxConnections must be at least 1")
            .ValidateOnStart();
        services.AddSingleton<Mqtt.MqttIngestServer>();
        services.AddHostedService(sp => sp.GetRequiredService<Mqtt.MqttIngestServer>());
        services.AddSingleton<Live.IDeviceCommandSink>(sp => sp.GetRequiredService<Mqtt.MqttIngestServer>());

        services.AddHealthChecks().AddCheck<JournalReplayHealthCheck>("ingest-journal");
        return builder;
    }

    /// <summary>The rate-limit policy of ingest endpoints: a token bucket per credential.</summary>
    public const string IngestRateLimit = "ingest";

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder app)
    {
        app.MapTelemetryEndpoints();
        app.MapControllerLogEndpoints();
        app.MapNgsiLdEndpoints();
        app.MapGatewayEndpoints();
        return app;
    }
}
