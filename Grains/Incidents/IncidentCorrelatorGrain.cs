using System.Collections.Immutable;
using CityControl.Devices;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace CityControl.Incidents;

/// <summary>
/// A district's correlator. It receives the district's device events (an implicit stream subscription) and joins each
/// alarm to an open incident of its type in the same zone or within the radius and time window, or opens one.
/// Repeats of an alarm already linked are counted by its incident; shelved alarms are counted here and open nothing.
/// </summary>
[ImplicitStreamSubscription(DeviceGrain.EventStreamNamespace)]
public sealed class IncidentCorrelatorGrain(
    [PersistentState("correlator", DeviceGrain.StorageName)] IPersistentState<CorrelatorState> state,
    CityClock clock,
    IOptions<CorrelationOptions> options) : Grain, IIncidentCorrelatorGrain
{
    private readonly CorrelationOptions _options = options.Value;

    private CorrelatorState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(DeviceGrain.EventStreamProvider)
            .GetStream<DeviceEvent>(StreamId.Create(DeviceGrain.EventStreamNamespace, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync(OnDeviceEvent);
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<string?> Correlate(AlarmSignal alarm)
    {
        var t = alarm.Transition;
        var key = $"{alarm.DeviceId}|{t.Condition}";
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
                return null;
            }

            S.Shelved.Remove(key);
        }

        if (S.AlarmIncident.TryGetValue(key, out var existing) && S.Open.Any(i => i.Id == existing))
        {
            Touch(existing, t.At);
            return (await GrainFactory.GetGrain<IIncidentGrain>(existing).LinkAlarm(alarm)).Id;
        }

        var match = IncidentCorrelation.FindMatch(S.Open, alarm, type, _options);
        var id = match?.Id ?? NewIncidentId(t.At);
        var incident = GrainFactory.GetGrain<IIncidentGrain>(id);
        if (match is null)
        {
            await incident.Open(new IncidentOpening(
                type, IncidentCatalog.PriorityOf(t.Condition), IncidentCatalog.TitleOf(type, alarm.Zone, alarm.District),
                $"Opened by {t.Condition} on {alarm.DeviceId}: {t.Message}", alarm.District, alarm.Zone, alarm.Location, t.At, "correlator"));
            S.Open.Add(new OpenIncident(id, type, alarm.Zone, alarm.Location, t.At));
        }
        else
        {
            Touch(id, t.At);
        }

        S.AlarmIncident[key] = id;
        await state.WriteStateAsync();
        await incident.LinkAlarm(alarm);
        return id;
    }

    public Task<ImmutableArray<string>> OpenIncidents() => Task.FromResult(S.Open.Select(i => i.Id).ToImmutableArray());

    public async Task IncidentEnded(string incidentId)
    {
        S.Open.RemoveAll(i => i.Id == incidentId);
        foreach (var key in S.AlarmIncident.Where(kv => kv.Value == incidentId).Select(kv => kv.Key).ToList())
        {
            S.AlarmIncident.Remove(key);
        }

        await state.WriteStateAsync();
    }

    public async Task Shelve(string deviceId, AlarmCondition condition, DateTimeOffset until, string reason, string by)
    {
        S.Shelved[$"{deviceId}|{condition}"] = new ShelvedAlarm(until, reason, by, 0);
        await state.WriteStateAsync();
    }

    private async Task OnDeviceEvent(DeviceEvent evt, StreamSequenceToken? token)
    {
        if (evt is { Alarm: { } transition, Location: { } location })
        {
            await Correlate(new AlarmSignal(evt.DeviceId, evt.Kind, evt.District, evt.Zone, location, transition));
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

    private static string NewIncidentId(DateTimeOffset at) =>
        $"inc-{at.UtcDateTime:yyyyMMdd}-{Guid.NewGuid().ToString("N")[..8]}";
}
