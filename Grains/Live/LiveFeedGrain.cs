using CityControl.Rules.Devices;
using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Live;

namespace CityControl.Grains.Live;

/// <summary>
/// A district's live feed: the district's device and incident grains send it their events directly (one-way, so a
/// screen sees a change without waiting for the durable event stream, which the correlator reads), it gathers them
/// for a few milliseconds when they come in bursts, and hands them to a notifier in one call, so a burst is one push,
/// not hundreds. It also
/// keeps the district's board, each device's live status: when it activates (on any silo, after any restart) it
/// starts from the statuses the device directory holds (each device's status after its last recorded event), without
/// activating a single device, and keeps them current from the devices' events.
/// </summary>
public sealed class LiveFeedGrain : Grain, ILiveFeedGrain
{
    public static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(15);

    private readonly List<LiveUpdate> _pending = [];
    private IGrainTimer? _flush;
    private Dictionary<string, DeviceStatus>? _board;
    private readonly System.Diagnostics.Stopwatch _stopwatch = System.Diagnostics.Stopwatch.StartNew();
    private TimeSpan _lastFlush = TimeSpan.MinValue / 2;

    private string District => this.GetPrimaryKeyString();

    public async Task Device(DeviceEvent e)
    {
        // The board is read once per activation, so every update can carry the device's status after it.
        if (_board is null)
        {
            await Board();
        }

        await Enqueue(new LiveUpdate(District, null, e, e.At, Track(e)));
    }

    public Task Incident(IncidentEvent e) => Enqueue(new LiveUpdate(District, e.Incident, null, e.At));

    public async Task<ImmutableArray<DeviceStatus>> Board()
    {
        if (_board is null)
        {
            // The grain is not reentrant: events that arrive meanwhile wait and are applied after this.
            var statuses = await GrainFactory.QueryBoard(District);
            _board = statuses.ToDictionary(s => s.Id, StringComparer.Ordinal);
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

    /// <summary>
    /// The first change after a quiet <see cref="BatchDelay"/> goes out at once (an alarm on a calm day reaches the
    /// screens without waiting); changes that follow it within the delay go together, one push per delay.
    /// </summary>
    private async Task Enqueue(LiveUpdate update)
    {
        _pending.Add(update);
        if (_flush is not null)
        {
            return;
        }

        var sinceLast = _stopwatch.Elapsed - _lastFlush;
        if (sinceLast >= BatchDelay)
        {
            await Flush();
        }
        else
        {
            _flush = this.RegisterGrainTimer(static (grain, _) => grain.Flush(), this, new GrainTimerCreationOptions(BatchDelay - sinceLast, Timeout.InfiniteTimeSpan));
        }
    }

    private async Task Flush()
    {
        _flush?.Dispose();
        _flush = null;
        _lastFlush = _stopwatch.Elapsed;
        var batch = _pending.ToImmutableArray();
        _pending.Clear();
        if (!batch.IsEmpty)
        {
            await GrainFactory.GetGrain<ILiveNotifierGrain>(0).Push(batch);
        }
    }
}
