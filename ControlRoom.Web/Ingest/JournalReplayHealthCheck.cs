using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityControl.Web.Ingest;

public sealed class JournalReplayHealthCheck(JournalReplayService replay, IIngestJournal journal) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!journal.IsDurable
            ? HealthCheckResult.Degraded("ingest journal is off (memory mode): a crash loses readings not yet checkpointed")
            : replay.Completed
                ? HealthCheckResult.Healthy($"journal tail replayed ({replay.ReplayedBatches} batches)")
                : HealthCheckResult.Unhealthy("journal tail not yet replayed"));
}
