using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Ingest;

/// <summary>
/// Replays the tail of the ingest journal into the device grains, so that readings acknowledged after the devices'
/// last checkpoint are there again after a loss:
/// <list type="bullet">
/// <item>at start-up, before the server takes requests (after a crash of this host; after a clean stop, see
/// <see cref="JournalCleanStopService"/>, the entries up to it are skipped: they are in the devices' saved state);</item>
/// <item>while running, when the cluster lost part of itself: a silo's gateway dropped, or a delivery failed because
/// the cluster did not answer. The grains a crashed silo held come back elsewhere from their last saved state; the
/// replay, after <see cref="IngestOptions.LossReplayDelay"/>, gives them what they had since. A pass whose deliveries
/// fail again is followed by another, until one gets through.</item>
/// </list>
/// Grains ignore readings they already hold, so what a replay brings is counted as new and already held.
/// </summary>
public sealed partial class JournalReplayService : BackgroundService
{
    private readonly IIngestJournal _journal;
    private readonly IngestService _ingest;
    private readonly IngestOptions _options;
    private readonly ILogger<JournalReplayService> _logger;
    private readonly Channel<string> _losses = Channel.CreateBounded<string>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public JournalReplayService(IIngestJournal journal, IngestService ingest, IOptions<IngestOptions> options, ILogger<JournalReplayService> logger)
    {
        _journal = journal;
        _ingest = ingest;
        _options = options.Value;
        _logger = logger;
        ingest.ClusterUnavailable += () => ClusterLost("a delivery found the cluster unavailable");
    }

    public bool Completed { get; private set; }

    /// <summary>What the start-up replay did; null until it is done.</summary>
    public JournalReplayReport? Report { get; private set; }

    /// <summary>What the last replay after a loss in the cluster did, if there was one.</summary>
    public JournalReplayReport? LastLossReplay { get; private set; }

    public int LossReplays { get; private set; }

    /// <summary>Part of the cluster was lost: replay the journal's tail once the cluster has had time to notice (repeated calls coalesce).</summary>
    public void ClusterLost(string reason)
    {
        if (_journal.IsDurable && _losses.Writer.TryWrite(reason))
        {
            LogLossNoticed(reason, _options.LossReplayDelay.TotalSeconds);
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var cleanStop = await _journal.ReadCleanStopAsync(cancellationToken);
        Report = await ReplayAsync(cleanStop, cancellationToken);
        LogReplayed(Report.Readings, Report.Batches, Report.Applied, Report.AlreadyHeld, Report.SkippedAfterCleanStop, cleanStop, _options.ReplayWindow);
        Completed = true;
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var reason in _losses.Reader.ReadAllAsync(stoppingToken))
            {
                await Task.Delay(_options.LossReplayDelay, stoppingToken);
                try
                {
                    var report = await ReplayAsync(null, stoppingToken);
                    LastLossReplay = report;
                    LossReplays++;
                    LogLossReplayed(reason, report.Readings, report.Batches, report.Applied, report.AlreadyHeld);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogLossReplayFailed(ex);
                    ClusterLost("the last replay failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task<JournalReplayReport> ReplayAsync(DateTimeOffset? cleanStop, CancellationToken cancellationToken) =>
        ReplayAsync(_journal.ReadTailAsync(_options.ReplayWindow, cancellationToken), cleanStop);

    /// <summary>Delivers the entries received after <paramref name="cleanStop"/> to their devices (another front end's journal too).</summary>
    public async Task<JournalReplayReport> ReplayAsync(IAsyncEnumerable<JournalEntry> tail, DateTimeOffset? cleanStop)
    {
        int batches = 0, readings = 0, applied = 0, held = 0, skipped = 0;
        await foreach (var entry in tail)
        {
            if (entry.ReceivedAt <= cleanStop)
            {
                skipped++;
                continue;
            }

            var result = await _ingest.DeliverAsync(entry.Devices, entry.ReceivedAt);
            batches++;
            readings += entry.Devices.Sum(d => d.Readings.Length);
            applied += result.Applied;
            held += result.Duplicates;
        }

        return new JournalReplayReport(batches, readings, applied, held, skipped, cleanStop);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest journal: replayed {Readings} readings in {Batches} batches of the last {Window} ({Applied} new to their devices, {Held} already held); {Skipped} batches up to the clean stop at {CleanStop} skipped")]
    private partial void LogReplayed(int readings, int batches, int applied, int held, int skipped, DateTimeOffset? cleanStop, TimeSpan window);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Part of the cluster was lost ({Reason}); the journal's tail is replayed in {Seconds} s")]
    private partial void LogLossNoticed(string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest journal replayed after a loss ({Reason}): {Readings} readings in {Batches} batches ({Applied} new to their devices, {Held} already held)")]
    private partial void LogLossReplayed(string reason, int readings, int batches, int applied, int held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying the ingest journal after a loss failed; trying again")]
    private partial void LogLossReplayFailed(Exception ex);
}

public sealed record JournalReplayReport(int Batches, int Readings, int Applied, int AlreadyHeld, int SkippedAfterCleanStop, DateTimeOffset? CleanStop);
