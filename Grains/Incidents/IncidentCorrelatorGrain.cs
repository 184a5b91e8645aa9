using System.Collections.Immutable;
using CityControl.Devices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using CityControl.Rules.Incidents;
using CityControl.Rules;
using CityControl.Incidents;

using CityControl.Grains.Persistence;

namespace CityControl.Grains.Incidents;

/// <summary>
/// A district's correlator. It receives the district's device events (an implicit stream subscription) and joins each
/// alarm to an open incident of its type in the same zone or within the radius and time window, or opens one.
/// Repeats of an alarm already linked are counted by its incident; shelved alarms are counted here and open nothing.
/// </summary>
[ImplicitStreamSubscription(StreamNames.DeviceEvents)]
[ImplicitStreamSubscription(StreamNames.IncidentEvents)]
public sealed class IncidentCorrelatorGrain(
    [PersistentState("correlator", StorageNames.GrainState)] IPersistentState<CorrelatorState> state,
    CityClock clock,
    IOptions<CorrelationOptions> options,
    ILogger<IncidentCorrelatorGrain> logger) : Grain, IIncidentCorrelatorGrain
{
    private readonly CorrelationOptions _options = options.Value;

    /// <summary>The last ten minutes of alarms, in memory: a rate, not a record (the record is in the incidents).</summary>
    private readonly Queue<(DateTimeOffset At, AlarmState Shown, Priority Priority)> _recent = new();

    /// <summary>Active conditions per device, for suppression by design.</summary>
    private readonly Dictionary<string, HashSet<AlarmCondition>> _active = new(StringComparer.Ordinal);

    private StateCheckpoint? _checkpoints;

    private CorrelatorState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(StreamNames.Provider)
            .GetStream<DeviceEvent>(StreamId.Create(StreamNames.DeviceEvents, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync(OnDeviceEvent);
        await this.GetStreamProvider(StreamNames.Provider)
            .GetStream<IncidentEvent>(StreamId.Create(StreamNames.IncidentEvents, this.GetPrimaryKeyString()))
            .SubscribeAsync(OnIncidentEvent);
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<string?> Correlate(AlarmSignal alarm)
    {
        var t = alarm.Transition;
        var key = AlarmKey.Of(alarm.DeviceId, t.Condition);
        var suppressedBy = SuppressionOf(alarm);
        Track(alarm);
        if (!t.Active)
        {
            return S.AlarmIncident.TryGetValue(key, out var linkedTo)
                ? (await GrainFactory.GetGrain<IIncidentGrain>(linkedTo).LinkAlarm(alarm)).Id
                : null;
        }

        if (IncidentCatalog.TypeOf(t.Condition) is not { } type)
        {
            return null;
        }

        if (S.Shelved.TryGetValue(key, out var shelved))
        {
            if (shelved.Until > clock.UtcNow)
            {
                S.Shelved[key] = shelved with { Triggers = shelved.Triggers + 1 };
                Count(t, AlarmState.Shelved);
                return null;
            }

            S.Shelved.Remove(key);
        }

        if (suppressedBy is { } hidden)
        {
            Count(t, hidden);
            return null;
        }

        Count(t, AlarmState.Unacknowledged);

        if (S.AlarmIncident.TryGetValue(key, out var existing) && S.Open.Any(i => i.Id == existing))
        {
            var linked = await GrainFactory.GetGrain<IIncidentGrain>(existing).LinkAlarm(alarm);
            if (!IncidentLifecycle.Terminal.Contains(linked.Status))
            {
                Touch(existing, t.At);
                return linked.Id;
            }

            // It ended before its event reached this correlator.
            await Forget(existing);
        }

        var match = IncidentCorrelation.FindMatch(S.Open, alarm, type, _options);
        var id = match?.Id ?? NewIncidentId(t.At);
        var incident = GrainFactory.GetGrain<IIncidentGrain>(id);
        if (match is null)
        {
            await incident.Open(new IncidentOpening(
                type, IncidentCatalog.PriorityOf(t.Condition), IncidentCatalog.TitleOf(type, alarm.Zone, alarm.District),
                $"Opened by {t.Condition} on {alarm.DeviceId}: {t.Message}", alarm.District, alarm.Zone, alarm.Location, t.At, IncidentGrain.CorrelatorActor,
                DescriptionText: IncidentCatalog.OpenedBy(t.Condition, alarm.DeviceId, t.Text)));
            S.Open.Add(new OpenIncident(id, type, alarm.Zone, alarm.Location, t.At));
        }
        else
        {
            Touch(id, t.At);
        }

        S.AlarmIncident[key] = id;
        if (match is null)
        {
            await Checkpoints.WriteNow();
        }
        else
        {
            // Joining alarms are many in a storm: their routing is checkpointed, not written one by one.
            ScheduleCheckpoint();
        }

        await incident.LinkAlarm(alarm);
        return id;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Checkpoints.OnDeactivate(cancellationToken);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task<ImmutableArray<string>> OpenIncidents() => Task.FromResult(S.Open.Select(i => i.Id).ToImmutableArray());

    public async Task Adopt(OpenIncident incident)
    {
        if (S.Open.Any(i => i.Id == incident.Id))
        {
            return;
        }

        S.Open.Add(incident);
        await Checkpoints.WriteNow();
    }

    public async Task<IncidentDetail> ShelveAlarm(string incidentId, IncidentAction action, Actor actor)
    {
        var detail = await GrainFactory.GetGrain<IIncidentGrain>(incidentId).ShelveAlarm(action, actor);
        var shelved = detail.Alarms.First(a => a.DeviceId == action.DeviceId && a.Condition == action.Condition);
        S.Shelved[AlarmKey.Of(shelved.DeviceId, shelved.Condition)] =
            new ShelvedAlarm(shelved.ShelvedUntil!.Value, action.Text!, actor.Name, 0);
        await Checkpoints.WriteNow();
        return detail;
    }

    /// <summary>An incident of the district changed: once it has ended, later alarms open a new one.</summary>
    private async Task OnIncidentEvent(IncidentEvent e, StreamSequenceToken? token)
    {
        if (IncidentLifecycle.Terminal.Contains(e.Incident.Status) && S.Open.Any(i => i.Id == e.Incident.Id))
        {
            await Forget(e.Incident.Id);
        }
    }

    private async Task Forget(string incidentId)
    {
        S.Open.RemoveAll(i => i.Id == incidentId);
        foreach (var key in S.AlarmIncident.Where(kv => kv.Value == incidentId).Select(kv => kv.Key).ToList())
        {
            S.AlarmIncident.Remove(key);
        }

        await Checkpoints.WriteNow();
    }

    public Task<AlarmRate> GetAlarmRate()
    {
        var now = clock.UtcNow;
        Prune(now);
        var shown = _recent.Where(r => r.Shown == AlarmState.Unacknowledged).ToList();
        return Task.FromResult(new AlarmRate(
            this.GetPrimaryKeyString(), now, shown.Count, shown.Count > AlarmRate.FloodThreshold,
            Enum.GetValues<Priority>().ToImmutableDictionary(p => p, p => shown.Count(r => r.Priority == p)),
            _recent.Count(r => r.Shown == AlarmState.Shelved),
            _recent.Count(r => r.Shown == AlarmState.SuppressedByDesign),
            _recent.Count(r => r.Shown == AlarmState.OutOfService)));
    }

    private async Task OnDeviceEvent(DeviceEvent evt, StreamSequenceToken? token)
    {
        if (evt is { Alarm: { } transition, Location: { } location })
        {
            await Correlate(new AlarmSignal(evt.DeviceId, evt.Kind, evt.District, evt.Zone, location, transition, evt.Status ?? LifecycleStatus.Active));
        }
        else if (S.Hazards.Count > 0 && evt is { Type: DeviceEventType.StateChanged, Kind: DeviceKind.WeatherStation or DeviceKind.GasSensor or DeviceKind.WarningDevice })
        {
            foreach (var incidentId in S.Hazards)
            {
                await GrainFactory.GetGrain<IHazardResponseGrain>(incidentId).DeviceChanged(evt);
            }
        }

        // A flood incident's car park is one zone of this district: its gauges' trend and its barriers' reports go to it.
        // (A gauge's every new trend is a live change, not a stored one: it is forwarded too, the car park's lead time being its own.)
        if (evt is { Type: DeviceEventType.StateChanged or DeviceEventType.LiveStateChanged, Kind: DeviceKind.FloodSensor or DeviceKind.Barrier })
        {
            foreach (var open in S.Open.Where(i => i.Type == IncidentType.Flood && i.Zone == evt.Zone))
            {
                await GrainFactory.GetGrain<IFloodResponseGrain>(open.Id).DeviceChanged(evt);
            }
        }
    }

    public async Task WatchHazard(string incidentId, bool watch)
    {
        var changed = watch ? !S.Hazards.Contains(incidentId) : S.Hazards.Remove(incidentId);
        if (watch && changed)
        {
            S.Hazards.Add(incidentId);
        }

        if (changed)
        {
            await Checkpoints.WriteNow();
        }
    }

    /// <summary>
    /// Alarms kept from operators: everything from a device in maintenance (out of service), and by design a rate of
    /// rise while the level alarm it leads to is already active, or a held phase while the signal is preempted.
    /// </summary>
    private AlarmState? SuppressionOf(AlarmSignal alarm)
    {
        if (alarm.Status == LifecycleStatus.Maintenance)
        {
            return AlarmState.OutOfService;
        }

        var active = _active.GetValueOrDefault(alarm.DeviceId);
        var byDesign = alarm.Transition.Condition switch
        {
            AlarmCondition.GasRateOfRise => active?.Contains(AlarmCondition.GasHigh) == true,
            AlarmCondition.FloodRateOfRise => active?.Contains(AlarmCondition.FloodDanger) == true,
            AlarmCondition.SignalStuckPhase => active?.Contains(AlarmCondition.SignalPreemption) == true,
            _ => false,
        };
        return byDesign ? AlarmState.SuppressedByDesign : null;
    }

    private void Track(AlarmSignal alarm)
    {
        if (!_active.TryGetValue(alarm.DeviceId, out var conditions))
        {
            _active[alarm.DeviceId] = conditions = [];
        }

        if (alarm.Transition.Active)
        {
            conditions.Add(alarm.Transition.Condition);
        }
        else
        {
            conditions.Remove(alarm.Transition.Condition);
        }
    }

    private void Count(AlarmTransition transition, AlarmState shown)
    {
        _recent.Enqueue((transition.At, shown, IncidentCatalog.PriorityOf(transition.Condition)));
        Prune(clock.UtcNow);
    }

    private void Prune(DateTimeOffset now)
    {
        while (_recent.TryPeek(out var oldest) && oldest.At < now - AlarmRate.Window)
        {
            _recent.Dequeue();
        }
    }

    /// <summary>Keeps the incident's last alarm time in memory; a restart may forget a few seconds of it, which only narrows the window.</summary>
    private void Touch(string id, DateTimeOffset at)
    {
        var index = S.Open.FindIndex(i => i.Id == id);
        if (index >= 0 && at > S.Open[index].LastAlarmAt)
        {
            S.Open[index] = S.Open[index] with { LastAlarmAt = at };
        }
    }

    private StateCheckpoint Checkpoints => _checkpoints ??= new StateCheckpoint(this, state, TimeSpan.FromSeconds(5), logger,
        "alarm routing of joining alarms since the last checkpoint");

    private void ScheduleCheckpoint() => Checkpoints.MarkDirty();

    private static string NewIncidentId(DateTimeOffset at) =>
        $"inc-{at.UtcDateTime:yyyyMMdd}-{Guid.NewGuid().ToString("N")[..8]}";
}
