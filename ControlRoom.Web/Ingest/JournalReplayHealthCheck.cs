using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityControl.Web.Ingest;

/// <summary>The journal's state in <c>/healthz</c>: off, not yet replayed, or what the start-up replay did, with its counts as data.</summary>
public sealed class JournalReplayHealthCheck(JournalReplayService replay, IIngestJournal journal, IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!journal.IsDurable)
        {
            return Task.FromResult(HealthCheckResult.Degraded("ingest journal is off (memory mode): a crash loses readings not yet checkpointed"));
        }

        if (replay.Report is not { } r)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("journal tail not yet replayed"));
        }

        var data = new Dictionary<string, object>
        {
            ["replayedBatches"] = r.Batches,
            ["replayedReadings"] = r.Readings,
            ["newToDevices"] = r.Applied,
            ["alreadyHeld"] = r.AlreadyHeld,
            ["skippedAfterCleanStop"] = r.SkippedAfterCleanStop,
        };
        if (r.CleanStop is { } at)
        {
            data["cleanStop"] = at;
        }

        // Replays after the cluster lost a silo while this host ran (see JournalReplayService.ClusterLost).
        data["lossReplays"] = replay.LossReplays;
        if (replay.LastLossReplay is { } last)
        {
            data["lastLossReplayReadings"] = last.Readings;
            data["lastLossReplayNewToDevices"] = last.Applied;
        }

        // Journals of dead front ends this one replayed (see JournalTakeoverService).
        if (services.GetService<JournalTakeoverService>() is { } takeover)
        {
            data["takeovers"] = takeover.Takeovers;
            if (takeover.LastTakeover is { } t)
            {
                data["lastTakeoverJournal"] = t.Journal;
                data["lastTakeoverReadings"] = t.Replay.Readings;
            }
        }

        return Task.FromResult(HealthCheckResult.Healthy(
            $"journal tail replayed: {r.Readings} readings in {r.Batches} batches ({r.Applied} new to their devices, {r.AlreadyHeld} already held); " +
            (r.CleanStop is null ? "no clean stop recorded" : $"{r.SkippedAfterCleanStop} batches up to the clean stop at {r.CleanStop:O} skipped"),
            data));
    }
}
