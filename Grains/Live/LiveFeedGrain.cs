using CityControl.Rules.Devices;
using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using Orleans.Streams;
using CityControl.Live;

namespace CityControl.Grains.Live;

/// <summary>
/// A district's live feed: it receives the district's incident and device events (implicit stream subscriptions),
/// gathers them for a few milliseconds, and hands them to a notifier in one call, so a burst is one push, not hundreds.
/// It also keeps the district's board, each device's live status, which it reads from the device grains when it
/// activates (on any silo, after any restart) and keeps current from their events.
/// </summary>
[ImplicitStreamSubscription(StreamNames.IncidentEvents)]
[ImplicitStreamSubscription(StreamNames.DeviceEvents)]
public sealed class LiveFeedGrain : Grain, ILiveFeedGrain
{
    public static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(15);

    private readonly List<LiveUpdate> _pending = [];
    private IGrainTimer? _flush;
    private Dictionary<string, DeviceStatus>? _board;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var provider = this.GetStreamProvider(StreamNames.Provider);
        var district = this.GetPrimaryKeyString();
        await provider.GetStream<IncidentEvent>(StreamId.Create(StreamNames.IncidentEvents, district))
            .SubscribeAsync((e, _) => Enqueue(new LiveUpdate(district, e.Incident, null, e.At)));
        await provider.GetStream<DeviceEvent>(StreamId.Create(StreamNames.DeviceEvents, district))
            .SubscribeAsync(async (e, _) =>
            {
                // The board is read once per activation, so every update can carry the device's status after it.
                if (_board is null)
                {
                    await Board();
                }

                await Enqueue(new LiveUpdate(district, null, e, e.At, Track(e)));
            });
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<ImmutableArray<DeviceStatus>> Board()
    {
        if (_board is null)
        {
            var devices = await GrainFactory.QueryDevices(new DeviceQuery(District: this.GetPrimaryKeyString()));
            var snapshots = await Task.WhenAll(devices
                .Where(d => d.Status != LifecycleStatus.Decommissioned)
                .Select(d => GrainFactory.GetDevice(d.Kind, d.Id).GetSnapshot()));

            // The grain is not reentrant: events that arrive meanwhile wait and are applied after this.
            _board = snapshots.OfType<DeviceSnapshot>().ToDictionary(s => s.Definition.Id, DeviceStatuses.Of, StringComparer.Ordinal);
        }

        return [.. _board.Values.OrderBy(s => s.Id, StringComparer.Ordinal)];
    }

    /// <summary>The device's status after its event (null once it is decommissioned and off the board).</summary>
    private DeviceStatus? Track(DeviceEvent e)
    {
        if (e.Status == LifecycleStatus.Decommissioned)
        {
            _board!.Remove(e.DeviceId);
            return null;
        }

        var next = _board!.TryGetValue(e.DeviceId, out var known)
            ? known.After(e)
            : new DeviceStatus(e.DeviceId, e.Live ?? new LiveState(), e.Connectivity ?? Connectivity.Unknown, [], null).After(e);
        _board[e.DeviceId] = next;
        return next;
    }

    private Task Enqueue(LiveUpdate update)
    {
        _pending.Add(update);
        _flush ??= this.RegisterGrainTimer(static (grain, _) => grain.Flush(), this, new GrainTimerCreationOptions(BatchDelay, Timeout.InfiniteTimeSpan));
        return Task.CompletedTask;
    }

    private async Task Flush()
    {
        _flush?.Dispose();
        _flush = null;
        var batch = _pending.ToImmutableArray();
        _pending.Clear();
        if (!batch.IsEmpty)
        {
            await GrainFactory.GetGrain<ILiveNotifierGrain>(0).Push(batch);
        }
    }
}
