using Microsoft.Extensions.Options;

namespace CityControl.Web.Ingest;

/// <summary>
/// At start-up, before the server takes requests, replays the tail of the ingest journal into the device grains so
/// that readings acknowledged after the last checkpoint are there again after a crash. Grains ignore readings they
/// already hold, so replaying after a clean stop changes nothing.
/// </summary>
public sealed partial class JournalReplayService(
    IIngestJournal journal,
    IngestService ingest,
    IOptions<IngestOptions> options,
    ILogger<JournalReplayService> logger) : IHostedService
{
    public bool Completed { get; private set; }

    public int ReplayedBatches { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var readings = 0;
        await foreach (var entry in journal.ReadTailAsync(options.Value.ReplayWindow, cancellationToken))
        {
            await ingest.DeliverAsync(entry.Devices, entry.ReceivedAt);
            ReplayedBatches++;
            readings += entry.Devices.Sum(d => d.Readings.Length);
        }

        LogReplayed(ReplayedBatches, readings, options.Value.ReplayWindow);
        Completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Batches} journaled batches ({Readings} readings) from the last {Window} of the ingest journal")]
    private partial void LogReplayed(int batches, int readings, TimeSpan window);
}
