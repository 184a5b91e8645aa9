using Microsoft.Extensions.Options;

namespace CityControl.Web.Ingest;

/// <summary>
/// At start-up, before the server takes requests, replays the tail of the ingest journal into the device grains so
/// that readings acknowledged after the last checkpoint are there again after a crash. After a clean stop (see
/// <see cref="JournalCleanStopService"/>) the entries up to it are skipped: they are in the devices' saved state.
/// Grains ignore readings they already hold, so what a replay brings is counted as new and already held.
/// </summary>
public sealed partial class JournalReplayService(
    IIngestJournal journal,
    IngestService ingest,
    IOptions<IngestOptions> options,
    ILogger<JournalReplayService> logger) : IHostedService
{
    public bool Completed { get; private set; }

    /// <summary>What the start-up replay did; null until it is done.</summary>
    public JournalReplayReport? Report { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var cleanStop = await journal.ReadCleanStopAsync(cancellationToken);
        int batches = 0, readings = 0, applied = 0, held = 0, skipped = 0;
        await foreach (var entry in journal.ReadTailAsync(options.Value.ReplayWindow, cancellationToken))
        {
            if (entry.ReceivedAt <= cleanStop)
            {
                skipped++;
                continue;
            }

            var result = await ingest.DeliverAsync(entry.Devices, entry.ReceivedAt);
            batches++;
            readings += entry.Devices.Sum(d => d.Readings.Length);
            applied += result.Applied;
            held += result.Duplicates;
        }

        Report = new JournalReplayReport(batches, readings, applied, held, skipped, cleanStop);
        LogReplayed(readings, batches, applied, held, skipped, cleanStop, options.Value.ReplayWindow);
        Completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal replay: {Readings} readings in {Batches} batches replayed ({Applied} new to their devices, {Held} already held); {Skipped} batches up to the clean stop at {CleanStop} skipped; window {Window}")]
    private partial void LogReplayed(int readings, int batches, int applied, int held, int skipped, DateTimeOffset? cleanStop, TimeSpan window);
}

/// <summary>What a start-up replay found in the journal's tail.</summary>
public sealed record JournalReplayReport(int Batches, int Readings, int Applied, int AlreadyHeld, int SkippedAfterCleanStop, DateTimeOffset? CleanStop);
