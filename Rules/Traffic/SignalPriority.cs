using CityControl.Devices;
using CityControl.Rules.Geo;
using CityControl.Traffic;

namespace CityControl.Rules.Traffic;

/// <summary>
/// Emergency-vehicle priority at a junction. Requests on one axis (north-south or east-west) can all be served at
/// once; requests on crossing axes conflict, and the junction serves them one axis at a time: the higher importance
/// level first (J2735's RequestImportanceLevel, 1 to 14), then the earlier arrival, then the earlier request. The
/// others wait, queued, and are granted when the junction is free of the conflict.
/// </summary>
public static class SignalPriority
{
    public const int MinImportance = 1;
    public const int MaxImportance = 14;

    /// <summary>A request still held this long after its arrival and duration has run out (the vehicle passed without saying so).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    public static bool Conflicts(string a, string b) => IsNorthSouth(a) != IsNorthSouth(b);

    /// <summary>Who goes first: negative when <paramref name="a"/> does.</summary>
    public static int Compare(PriorityRequest a, PriorityRequest b)
    {
        var byLevel = b.ImportanceLevel.CompareTo(a.ImportanceLevel);
        if (byLevel != 0)
        {
            return byLevel;
        }

        var byArrival = a.Eta.CompareTo(b.Eta);
        return byArrival != 0 ? byArrival : a.At.CompareTo(b.At) is var byRequest and not 0 ? byRequest : string.CompareOrdinal(a.RequestId, b.RequestId);
    }

    /// <summary>Each live request's status: granted in order of precedence unless it conflicts with one granted before it.</summary>
    public static IReadOnlyDictionary<string, (PriorityStatus Status, PriorityRequest? Behind)> Decide(IEnumerable<PriorityRequest> requests)
    {
        var granted = new List<PriorityRequest>();
        var result = new Dictionary<string, (PriorityStatus, PriorityRequest?)>(StringComparer.Ordinal);
        foreach (var request in requests.Order(Comparer<PriorityRequest>.Create(Compare)))
        {
            var blocker = granted.FirstOrDefault(g => Conflicts(g.InboundApproach, request.InboundApproach));
            if (blocker is null)
            {
                granted.Add(request);
                result[request.RequestId] = (PriorityStatus.Granted, null);
            }
            else
            {
                result[request.RequestId] = (PriorityStatus.Queued, blocker);
            }
        }

        return result;
    }

    /// <summary>Requests whose time is up: their arrival plus duration plus <see cref="Grace"/> is past.</summary>
    public static bool Expired(PriorityRequest request, DateTimeOffset now) => request.Eta + request.Duration + Grace < now;

    /// <summary>What an answer says in words.</summary>
    public static string Describe(PriorityRequest request, PriorityStatus status, PriorityRequest? behind) => status switch
    {
        PriorityStatus.Granted => $"granted {request.InboundApproach} to {request.VehicleId} ({request.Role}, level {request.ImportanceLevel}), expected {request.Eta:HH:mm:ss}",
        PriorityStatus.Queued when behind is not null =>
            $"queued: {behind.VehicleId} ({behind.Role}, level {behind.ImportanceLevel}, expected {behind.Eta:HH:mm:ss}) holds the crossing {behind.InboundApproach}" +
            (behind.ImportanceLevel > request.ImportanceLevel ? " at a higher priority" : behind.ImportanceLevel == request.ImportanceLevel ? " and arrives first" : ""),
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>The approach a vehicle comes in on, from its heading (degrees from north): heading north is northbound.</summary>
    public static string ApproachOf(double headingDegrees) => (((headingDegrees % 360) + 360) % 360) switch
    {
        >= 315 or < 45 => "NB",
        < 135 => "EB",
        < 225 => "SB",
        _ => "WB",
    };

    /// <summary>
    /// A route's stops: for each signal in order, the approach the vehicle comes in on (its heading from the point
    /// before) and when it is expected there at the given speed along the straight legs between them.
    /// </summary>
    public static IReadOnlyList<RouteStop> Plan(GeoPoint from, IReadOnlyList<(string Id, GeoPoint At)> signals, double speedKmh, DateTimeOffset start)
    {
        var metresPerSecond = speedKmh / 3.6;
        var stops = new List<RouteStop>();
        var previous = from;
        var travelled = 0.0;
        foreach (var (id, at) in signals)
        {
            travelled += GeoDistance.Meters(previous, at);
            var heading = GeoDistance.Meters(previous, at) < 1 ? 0 : GeoDistance.BearingDegrees(previous, at);
            stops.Add(new RouteStop(id, at, ApproachOf(heading), start + TimeSpan.FromSeconds(Math.Round(travelled / metresPerSecond))));
            previous = at;
        }

        return stops;
    }

    private static bool IsNorthSouth(string approach) => approach is "NB" or "SB";
}
