using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using Orleans.Streams;

namespace CityControl.Live;

/// <summary>
/// A district's live feed: it receives the district's incident and device events (implicit stream subscriptions),
/// gathers them for a few milliseconds, and hands them to the hub in one call, so a burst is one push, not hundreds.
/// </summary>
[ImplicitStreamSubscription(IncidentGrain.EventStreamNamespace)]
[ImplicitStreamSubscription(DeviceGrain.EventStreamNamespace)]
public sealed class LiveFeedGrain : Grain, ILiveFeedGrain
{
    public static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(15);

    private readonly List<LiveUpdate> _pending = [];
    private IGrainTimer? _flush;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var provider = this.GetStreamProvider(DeviceGrain.EventStreamProvider);
        var district = this.GetPrimaryKeyString();
        await provider.GetStream<IncidentEvent>(StreamId.Create(IncidentGrain.EventStreamNamespace, district))
            .SubscribeAsync((e, _) => Enqueue(new LiveUpdate(district, e.Incident, null, e.At)));
        await provider.GetStream<DeviceEvent>(StreamId.Create(DeviceGrain.EventStreamNamespace, district))
            .SubscribeAsync((e, _) => Enqueue(new LiveUpdate(district, null, e, e.At)));
        await base.OnActivateAsync(cancellationToken);
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
            await GrainFactory.GetGrain<ILiveHubGrain>(0).Push(batch);
        }
    }
}
