using System.Text.Json;
using Azure.Storage.Blobs;
using CityControl.Web.Ingest;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityControl.Web.Hosting;

public sealed class OrleansHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // Grain calls take no token here; the wait is bounded instead.
#pragma warning disable CA2016
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
#pragma warning restore CA2016
            return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("the cluster does not answer", ex);
        }
    }
}

public sealed class StorageHealthCheck(BlobServiceClient blobs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await blobs.GetPropertiesAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy(blobs.Uri.GetLeftPart(UriPartial.Authority));
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("Azure Storage does not answer", ex);
        }
    }
}

public sealed class JournalReplayHealthCheck(JournalReplayService replay, IIngestJournal journal) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!journal.IsDurable
            ? HealthCheckResult.Degraded("ingest journal is off (memory mode): a crash loses readings not yet checkpointed")
            : replay.Completed
                ? HealthCheckResult.Healthy($"journal tail replayed ({replay.ReplayedBatches} batches)")
                : HealthCheckResult.Unhealthy("journal tail not yet replayed"));
}

public static class HealthResponse
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        }, Json));
    }
}
