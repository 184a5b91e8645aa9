using System.Collections.Immutable;
using CityControl.Devices;

namespace CityControl.Traffic;

/// <summary>SAE J2735 BasicVehicleRole values of the vehicles that ask for priority here.</summary>
public enum VehicleRole
{
    Fire,
    Police,
    Ambulance,
    PublicTransport,
}

/// <summary>SAE J2735 PrioritizationResponseStatus, as far as a signal answers here.</summary>
public enum PriorityStatus
{
    Granted,

    /// <summary>Accepted but waiting: a conflicting request of higher priority (or earlier arrival) holds the junction.</summary>
    Queued,

    Rejected,

    /// <summary>The vehicle passed, the route was completed or cancelled, or the request ran out.</summary>
    Cleared,
}

/// <summary>
/// A priority request to one signal, with the fields of SAE J2735's SignalRequestMessage: the request (its id, the
/// inbound approach, the expected arrival and how long the vehicle needs), the requestor (vehicle id, role and
/// importance level 1-14, J2735's RequestImportanceLevel) and the incident and route it serves.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.priority-request.v1")]
public sealed record class PriorityRequest(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string VehicleId,
    [property: Id(2)] VehicleRole Role,
    [property: Id(3)] int ImportanceLevel,
    [property: Id(4)] string InboundApproach,
    [property: Id(5)] DateTimeOffset Eta,
    [property: Id(6)] TimeSpan Duration,
    [property: Id(7)] string IncidentId,
    [property: Id(8)] DateTimeOffset At);

/// <summary>A signal's answer to a request, as SAE J2735's SignalStatusMessage carries it, with the reason in words.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.priority-answer.v1")]
public sealed record class PriorityAnswer(
    [property: Id(0)] string SignalId,
    [property: Id(1)] string RequestId,
    [property: Id(2)] string VehicleId,
    [property: Id(3)] string InboundApproach,
    [property: Id(4)] PriorityStatus Status,
    [property: Id(5)] string Detail,
    [property: Id(6)] DateTimeOffset At);

/// <summary>One stop of a route: a signal, where the vehicle comes from and when it is expected.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.route-stop.v1")]
public sealed record class RouteStop(
    [property: Id(0)] string SignalId,
    [property: Id(1)] GeoPoint Location,
    [property: Id(2)] string InboundApproach,
    [property: Id(3)] DateTimeOffset Eta);

/// <summary>An emergency vehicle's route for an incident and what every signal on it answered.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.emergency-route.v1")]
public sealed record class EmergencyRoute(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string Unit,
    [property: Id(2)] VehicleRole Role,
    [property: Id(3)] int ImportanceLevel,
    [property: Id(4)] GeoPoint From,
    [property: Id(5)] ImmutableArray<RouteStop> Stops,
    [property: Id(6)] ImmutableArray<PriorityAnswer> Answers,
    [property: Id(7)] bool Active,
    [property: Id(8)] DateTimeOffset StartedAt);

/// <summary>What a dispatcher asks for: a unit's route from where it is, through signals in order, at a speed.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.route-plan.v1")]
public sealed record class RoutePlan(
    [property: Id(0)] string Unit,
    [property: Id(1)] VehicleRole Role,
    [property: Id(2)] int ImportanceLevel,
    [property: Id(3)] GeoPoint From,
    [property: Id(4)] ImmutableArray<string> Signals,
    [property: Id(5)] double SpeedKmh,
    [property: Id(6)] string RequestedBy);

/// <summary>An emergency vehicle's route for an incident (keyed "incident/unit"): it asks each signal for priority and follows their answers.</summary>
public interface IEmergencyRouteGrain : IGrainWithStringKey
{
    /// <summary>Starts the route (or replaces it): each signal on it is asked for priority; returns the route with their first answers.</summary>
    Task<EmergencyRoute> Start(RoutePlan plan);

    /// <summary>A signal's answer changed (a queued request granted, a granted one preempted, a request cleared).</summary>
    [Orleans.Concurrency.OneWay]
    Task OnAnswer(PriorityAnswer answer);

    /// <summary>The unit arrived (or the route was called off): every signal's request is cleared and the signals return to their plans.</summary>
    Task<EmergencyRoute> Complete(string reason);

    Task<EmergencyRoute?> Get();
}

/// <summary>The routes of an incident, by unit.</summary>
public static class EmergencyRoutes
{
    public static string KeyOf(string incidentId, string unit) => $"{incidentId}/{unit}";
}
