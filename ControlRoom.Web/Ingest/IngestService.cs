using System.Diagnostics.Metrics;
using CityControl.Devices;
using Microsoft.Extensions.Options;
using CityControl.Rules.Devices;
using CityControl.Rules;

namespace CityControl.Web.Ingest;

/// <summary>
/// The one way readings enter the platform, whatever the protocol: validate each reading, journal the accepted ones
/// in one durable write, then hand each device its share in one grain call.
/// </summary>
public sealed partial class IngestService(
    IGrainFactory grains,
    DeviceRoutingCache routing,
    IIngestJournal journal,
    CityClock clock,
    IOptions<IngestOptions> options,
    IMeterFactory meters,
    ILogger<IngestService> logger)
{
    private readonly IngestOptions _options = options.Value;

    // The factory gives every caller of a name the same meter.
    private readonly Counter<long> _accepted = meters.Create(PlatformMetrics.Meter)
        .CreateCounter<long>("citycontrol.readings.accepted", description: "Readings accepted (journaled, then delivered) by this front end");

    private readonly Counter<long> _rejected = meters.Create(PlatformMetrics.Meter)
        .CreateCounter<long>("citycontrol.readings.rejected", description: "Readings refused by this front end, by the field whose rule they broke");

    public async Task<IngestResult> IngestAsync(IngestPrincipal principal, IReadOnlyList<IncomingReading> readings, CancellationToken cancellationToken)
    {
        var now = clock.UtcNow;
        var ids = readings.Select(r => r.DeviceId).OfType<string>().Where(id => id.Length is > 0 and <= DeviceRules.MaxIdLength);
        var devices = await routing.FindAsync(ids).WaitAsync(_options.LookupWait, cancellationToken);
        var (accepted, rejected) = TelemetryValidator.Validate(readings, devices, principal, now, _options);
        var acceptedCount = accepted.Sum(d => d.Readings.Length);
        foreach (var field in rejected.GroupBy(r => r.Field))
        {
            _rejected.Add(field.Count(), new KeyValuePair<string, object?>("field", field.Key));
        }

        if (acceptedCount > 0)
        {
            await journal.AppendAsync(new JournalEntry(now, accepted), cancellationToken);
            _accepted.Add(acceptedCount);
            var delivery = DeliverAsync(accepted, now);
            try
            {
                // Durable now: answer once delivered or after DeliveryWait, whichever is first (DeliverAsync handles its
                // own failures, so the delivery that goes on cannot fault unobserved). Without a journal, only delivery.
                await (journal.IsDurable ? delivery.WaitAsync(_options.DeliveryWait, CancellationToken.None) : delivery);
            }
            catch (TimeoutException)
            {
            }
        }

        return new IngestResult(acceptedCount, rejected.Count, rejected);
    }

    private int _deliveryFailures;

    /// <summary>Journaled readings that did not reach their device since this host started: only a replay brings them.</summary>
    public int DeliveryFailures => Volatile.Read(ref _deliveryFailures);

    /// <summary>A delivery failed because the cluster did not answer (a silo lost, storage away): the journal's replay listens.</summary>
    public event Action? ClusterUnavailable;

    /// <summary>Failures of the cluster rather than of the batch: the silo holding a grain is gone or does not answer, or its storage.</summary>
    public static bool IsClusterUnavailable(Exception ex) => ex is OrleansException or TimeoutException;

    /// <summary>
    /// Hands readings to their device grains. Past the journal the batch is durable, so a failed delivery is logged,
    /// not returned: the next start replays it. Returns what the devices made of them.
    /// </summary>
    public async Task<ReadingBatchResult> DeliverAsync(IReadOnlyList<DeviceReadings> devices, DateTimeOffset receivedAt)
    {
        var results = await Task.WhenAll(devices.Select(async d =>
        {
            try
            {
                return await grains.GetDevice(d.Kind, d.DeviceId).ReportReadings(new ReadingBatch(d.Readings, receivedAt));
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _deliveryFailures);
                LogDeliveryFailed(ex, d.DeviceId, d.Readings.Length);
                if (IsClusterUnavailable(ex))
                {
                    ClusterUnavailable?.Invoke();
                }

                return new ReadingBatchResult(0, 0, d.Readings.Length);
            }
        }));
        return new ReadingBatchResult(results.Sum(r => r.Applied), results.Sum(r => r.Duplicates), results.Sum(r => r.Ignored));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivering {Count} journaled readings to device {DeviceId} failed; they are replayed once the cluster answers again, or at the next start")]
    private partial void LogDeliveryFailed(Exception ex, string deviceId, int count);
}
