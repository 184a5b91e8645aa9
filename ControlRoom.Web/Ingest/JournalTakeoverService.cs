using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using CityControl.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Ingest;

/// <summary>
/// Front ends take over each other's journals. Each front end holds a lease on its own owner blob
/// (<c>owners/{serviceId}/{journal}</c>), renewed every scan; when it dies the lease runs out, and the first other
/// front end of the service to take the lease replays the dead one's tail into the devices (what it acknowledged and
/// may not have delivered), records how far it replayed in the owner blob, and lets the lease go. A front end that
/// stopped cleanly has nothing after its clean stop to replay. The writer itself, back, takes its lease again and
/// replays its own tail at start-up as before; grains ignore readings they already hold, so a batch replayed twice
/// changes nothing.
/// </summary>
public sealed partial class JournalTakeoverService : BackgroundService
{
    private const string OwnersPrefix = "owners/";
    private const string ReplayedThroughKey = "replayedthrough";

    private readonly BlobContainerClient _container;
    private readonly JournalReplayService _replay;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<JournalTakeoverService> _logger;
    private readonly string _prefix;
    private readonly BlobLeaseClient _own;
    private bool _holdingOwn;

    public JournalTakeoverService(
        IOptions<StorageOptions> storage, IOptions<IngestOptions> options, IConfiguration configuration, JournalReplayService replay,
        TimeProvider time, ILogger<JournalTakeoverService> logger)
    {
        _options = options.Value;
        _container = BlobIngestJournal.OpenContainer(storage.Value, _options.JournalWriteTimeout);
        var serviceId = configuration.GetSection(ClusterClientOptions.Section).Get<ClusterClientOptions>()?.ServiceId ?? "citycontrol";
        _prefix = $"{OwnersPrefix}{serviceId}/";
        _own = _container.GetBlobClient(_prefix + _options.JournalName).GetBlobLeaseClient(LeaseIdOf(_options.JournalName));
        _replay = replay;
        _time = time;
        _logger = logger;
    }

    /// <summary>Journals of dead front ends this one replayed, and what the last one brought.</summary>
    public int Takeovers { get; private set; }

    public TakeoverReport? LastTakeover { get; private set; }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_holdingOwn)
        {
            try
            {
                // Let the others look at once: after a clean stop there is nothing to replay; after a failed one, the tail.
                await _own.ReleaseAsync(cancellationToken: cancellationToken);
            }
            catch (Exception ex)
            {
                // A stop never fails for this: the lease runs out by itself.
                LogReleaseFailed(ex);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.TakeoverScanInterval, _time);
        do
        {
            try
            {
                await HoldOwnAsync(stoppingToken);
                await ScanAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is RequestFailedException or IOException or HttpRequestException or TimeoutException or AggregateException
                || (ex is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                // Storage away: the next scan tries again (the lease of a live front end outlasts a short outage).
                LogScanFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Takes or renews this front end's lease on its own owner blob.</summary>
    private async Task HoldOwnAsync(CancellationToken cancellationToken)
    {
        if (_holdingOwn)
        {
            try
            {
                await _own.RenewAsync(cancellationToken: cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Lost (storage was away longer than the lease, and another front end took the journal over).
                _holdingOwn = false;
                LogOwnLeaseLost();
            }
        }

        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await EnsureOwnerBlobAsync(_prefix + _options.JournalName, cancellationToken);
        try
        {
            await _own.AcquireAsync(_options.JournalLease, cancellationToken: cancellationToken);
            _holdingOwn = true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Another front end is replaying this journal now, or one with the same name runs: try again next scan.
            LogOwnLeaseBusy(_options.JournalName);
        }
    }

    private async Task EnsureOwnerBlobAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(""), new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Already there.
        }
    }

    /// <summary>Every other journal of the service whose writer's lease has run out is replayed.</summary>
    private async Task ScanAsync(CancellationToken cancellationToken)
    {
        var others = new List<string>();
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, _prefix, cancellationToken))
        {
            var journal = blob.Name[_prefix.Length..];
            if (journal != _options.JournalName && !journal.Contains('/', StringComparison.Ordinal))
            {
                others.Add(journal);
            }
        }

        foreach (var journal in others)
        {
            await TryTakeOverAsync(journal, cancellationToken);
        }
    }

    private async Task TryTakeOverAsync(string journal, CancellationToken cancellationToken)
    {
        var owner = _container.GetBlobClient(_prefix + journal);
        var lease = owner.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(_options.JournalLease, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return; // Its writer lives (or another front end is taking it over).
        }

        try
        {
            var properties = await owner.GetPropertiesAsync(new BlobRequestConditions { LeaseId = lease.LeaseId }, cancellationToken);
            DateTimeOffset? replayedThrough = properties.Value.Metadata.TryGetValue(ReplayedThroughKey, out var text)
                ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
                : null;
            var cleanStop = await BlobIngestJournal.ReadCleanStopAsync(_container, journal, cancellationToken);
            var after = Max(replayedThrough, cleanStop);
            var newest = after;
            var tail = Track(BlobIngestJournal.ReadTailAsync(_container, journal + "/", _options.ReplayWindow, cancellationToken), e => newest = Max(newest, e.ReceivedAt));
            var report = await _replay.ReplayAsync(tail, after);
            if (newest != after && newest is { } through)
            {
                await owner.SetMetadataAsync(new Dictionary<string, string> { [ReplayedThroughKey] = through.ToString("O", CultureInfo.InvariantCulture) },
                    new BlobRequestConditions { LeaseId = lease.LeaseId }, cancellationToken);
            }

            if (report.Batches > 0)
            {
                Takeovers++;
                LastTakeover = new TakeoverReport(journal, _time.GetUtcNow(), report);
                LogTookOver(journal, report.Readings, report.Batches, report.Applied, report.AlreadyHeld);
            }
        }
        finally
        {
            try
            {
                await lease.ReleaseAsync(cancellationToken: CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogReleaseFailed(ex);
            }
        }
    }

    private static async IAsyncEnumerable<JournalEntry> Track(IAsyncEnumerable<JournalEntry> entries, Action<JournalEntry> seen)
    {
        await foreach (var entry in entries)
        {
            seen(entry);
            yield return entry;
        }
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>A lease id that is this writer's on every start, so that a restart renews its own lease rather than waiting it out.</summary>
    private static string LeaseIdOf(string journal) =>
        new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("citycontrol-journal:" + journal))[..16]).ToString();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Took over the journal of front end {Journal}, whose writer is gone: replayed {Readings} readings in {Batches} batches ({Applied} new to their devices, {Held} already held)")]
    private partial void LogTookOver(string journal, int readings, int batches, int applied, int held);

    [LoggerMessage(Level = LogLevel.Information, Message = "The journal {Journal} is held by another process (a takeover in progress, or a second front end with this journal name); trying again")]
    private partial void LogOwnLeaseBusy(string journal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This front end's hold on its journal ran out (storage away?); taking it again")]
    private partial void LogOwnLeaseLost();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for journals to take over failed; trying again")]
    private partial void LogScanFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A journal lease could not be released; it runs out by itself")]
    private partial void LogReleaseFailed(Exception ex);
}

public sealed record TakeoverReport(string Journal, DateTimeOffset At, JournalReplayReport Replay);
