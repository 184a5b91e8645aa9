using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules;
using CityControl.Rules.Incidents;
using CityControl.Rules.Traffic;
using CityControl.Traffic;

namespace CityControl.Grains.Traffic;

[GenerateSerializer, Alias("citycontrol.emergency-route-state.v1")]
public sealed class EmergencyRouteState
{
    [Id(0)] public EmergencyRoute? Route { get; set; }
}

/// <summary>
/// An emergency vehicle's route for an incident (keyed "incident/unit"). It asks every signal on the route for
/// priority on the approach the vehicle comes in on, with its expected arrival, and follows each signal's answer
/// (granted, queued behind a crossing vehicle that goes first, rejected) until the unit arrives or the route is called
/// off, when every request is cleared and the signals go back to their plans. Each answer is on the incident's timeline.
/// </summary>
public sealed class EmergencyRouteGrain(
    [PersistentState("route", StorageNames.GrainState)] IPersistentState<EmergencyRouteState> state,
    CityClock clock) : Grain, IEmergencyRouteGrain
{
    /// <summary>How long a vehicle needs a junction, from its arrival (J2735's duration).</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    public const int MaxSignals = 40;

    private string IncidentId => this.GetPrimaryKeyString().Split('/')[0];

    public async Task<EmergencyRoute> Start(RoutePlan plan)
    {
        var errors = Validate(plan);
        if (errors is not null)
        {
            throw new IncidentRuleException(IncidentRuleKind.Invalid, errors);
        }

        var incident = await GrainFactory.GetGrain<IIncidentGrain>(IncidentId).GetDetail()
            ?? throw new IncidentRuleException(IncidentRuleKind.NotFound, $"Incident '{IncidentId}' does not exist.");
        if (IncidentLifecycle.Terminal.Contains(incident.Summary.Status) || incident.Summary.Status == IncidentStatus.Resolved)
        {
            throw new IncidentRuleException(IncidentRuleKind.IllegalTransition, $"the incident is {incident.Summary.Status}: no route is asked for it");
        }

        var found = (await GrainFactory.QueryDevicesById(plan.Signals)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        for (var i = 0; i < plan.Signals.Length; i++)
        {
            if (!found.TryGetValue(plan.Signals[i], out var device) || device.Kind != DeviceKind.TrafficSignal)
            {
                throw new IncidentRuleException(IncidentRuleKind.Invalid, $"signals[{i}]: '{plan.Signals[i]}' is no traffic signal of this platform");
            }
        }

        if (state.State.Route is { Active: true })
        {
            await Complete("replaced by a new route");
        }

        var now = clock.UtcNow;
        var stops = SignalPriority.Plan(plan.From, [.. plan.Signals.Select(id => (id, found[id].Location))], plan.SpeedKmh, now);
        var steps = new List<ResponseStep>
        {
            new(plan.RequestedBy, "route requested",
                $"{plan.Unit} ({plan.Role}, level {plan.ImportanceLevel}) through {string.Join(" → ", stops.Select(s => $"{s.SignalId} {s.InboundApproach} at {s.Eta:HH:mm:ss}"))}", now),
        };
        var answers = new List<PriorityAnswer>();
        foreach (var stop in stops)
        {
            var answer = await GrainFactory.GetGrain<ITrafficSignalGrain>(stop.SignalId).RequestPriority(new PriorityRequest(
                RequestIdOf(stop.SignalId), plan.Unit, plan.Role, plan.ImportanceLevel, stop.InboundApproach, stop.Eta, Duration, IncidentId, now));
            answers.Add(answer);
            steps.Add(Step(answer));
        }

        state.State.Route = new EmergencyRoute(IncidentId, plan.Unit, plan.Role, plan.ImportanceLevel, plan.From, [.. stops], [.. answers], true, now);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IIncidentGrain>(IncidentId).RecordRouteSteps(plan.Unit, [.. steps]);
        return state.State.Route;
    }

    public async Task OnAnswer(PriorityAnswer answer)
    {
        if (state.State.Route is not { } route)
        {
            return;
        }

        var index = route.Answers.IndexOf(route.Answers.FirstOrDefault(a => a.SignalId == answer.SignalId)!);
        if (index >= 0 && route.Answers[index].Status == answer.Status && route.Answers[index].Detail == answer.Detail)
        {
            return;
        }

        state.State.Route = route with { Answers = index >= 0 ? route.Answers.SetItem(index, answer) : route.Answers.Add(answer) };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IIncidentGrain>(IncidentId).RecordRouteSteps(route.Unit, [Step(answer)]);
    }

    public async Task<EmergencyRoute> Complete(string reason)
    {
        if (state.State.Route is not { } route)
        {
            throw new IncidentRuleException(IncidentRuleKind.NotFound, $"no route of {this.GetPrimaryKeyString()}");
        }

        if (!route.Active)
        {
            return route;
        }

        var answers = route.Answers;
        var steps = new List<ResponseStep>();
        foreach (var stop in route.Stops)
        {
            var answer = await GrainFactory.GetGrain<ITrafficSignalGrain>(stop.SignalId).ClearPriority(RequestIdOf(stop.SignalId), reason);
            var index = answers.IndexOf(answers.FirstOrDefault(a => a.SignalId == stop.SignalId)!);
            answers = index >= 0 ? answers.SetItem(index, answer with { VehicleId = route.Unit }) : answers.Add(answer);
            steps.Add(Step(answer with { VehicleId = route.Unit, InboundApproach = stop.InboundApproach }));
        }

        state.State.Route = route with { Answers = answers, Active = false };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IIncidentGrain>(IncidentId).RecordRouteSteps(route.Unit, [.. steps]);
        return state.State.Route;
    }

    public Task<EmergencyRoute?> Get() => Task.FromResult(state.State.Route);

    private string RequestIdOf(string signalId) => $"{this.GetPrimaryKeyString()}@{signalId}";

    private static ResponseStep Step(PriorityAnswer answer) => new(
        $"signal {answer.SignalId}",
        answer.Status switch
        {
            PriorityStatus.Granted => "priority granted",
            PriorityStatus.Queued => "priority queued",
            PriorityStatus.Rejected => "priority rejected",
            _ => "priority cleared",
        },
        $"{answer.VehicleId} {answer.InboundApproach}: {answer.Detail}",
        answer.At);

    private static string? Validate(RoutePlan plan) => plan switch
    {
        _ when string.IsNullOrWhiteSpace(plan.Unit) || plan.Unit.Length > 100 || plan.Unit.Contains('/') => "unit: is required, at most 100 characters, without '/'",
        _ when !Enum.IsDefined(plan.Role) => "role: must be fire, police, ambulance or publicTransport",
        _ when plan.ImportanceLevel is < SignalPriority.MinImportance or > SignalPriority.MaxImportance => "importanceLevel: must be 1 to 14 (J2735 RequestImportanceLevel)",
        _ when plan.Signals.IsDefaultOrEmpty || plan.Signals.Length > MaxSignals => $"signals: must list 1 to {MaxSignals} traffic signals in the order the unit passes them",
        _ when plan.Signals.Distinct(StringComparer.Ordinal).Count() != plan.Signals.Length => "signals: a signal may appear once",
        _ when !double.IsFinite(plan.SpeedKmh) || plan.SpeedKmh is < 5 or > 150 => "speedKmh: must be between 5 and 150",
        _ when plan.From is not { Latitude: >= -90 and <= 90, Longitude: >= -180 and <= 180 } => "from: must be a WGS84 latitude and longitude",
        _ => null,
    };
}
