using CityControl.Devices;
using CityControl.Web.Security;
using CityControl.Rules.Devices;

namespace CityControl.Web.Map;

/// <summary>One approach of an intersection: its detectors' occupancy and count, and what that means for congestion.</summary>
public sealed record ApproachView(string Approach, double? OccupancyPercent, double? Volume, CongestionLevel? Congestion);

/// <summary>A traffic signal as the traffic view shows it.</summary>
public sealed record SignalView(
    string Id,
    string Name,
    string District,
    string Zone,
    GeoPoint Location,
    LifecycleStatus Status,
    Connectivity Connectivity,
    DateTimeOffset? LastSeen,
    SignalMode? Mode,
    int? Phase,
    IReadOnlyList<AlarmCondition> ActiveAlarms,
    IReadOnlyList<ApproachView> Approaches,
    CongestionLevel? WorstCongestion);

public static class TrafficEndpoints
{
    public static IEndpointRouteBuilder MapTrafficEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/traffic/signals", Signals).RequireAuthorization(Policies.Staff).WithTags("Map")
            .RequireRateLimiting(CityControl.Web.Api.ApiFeature.QueryRateLimit)
            .Produces<List<SignalView>>()
            .WithSummary("Every traffic signal (of a district if given) with its mode, phase now green, connectivity and congestion by approach.");
        return app;
    }

    private static async Task<IResult> Signals(IGrainFactory grains, string? district)
    {
        var signals = (await grains.QueryDevices(new DeviceQuery(Kind: DeviceKind.TrafficSignal, District: district)))
            .Where(d => d.Status != LifecycleStatus.Decommissioned);
        var snapshots = await Task.WhenAll(signals.Select(s => grains.GetDevice(DeviceKind.TrafficSignal, s.Id).GetSnapshot()));
        return Results.Ok(snapshots.OfType<DeviceSnapshot>().Select(View).ToList());
    }

    internal static SignalView View(DeviceSnapshot signal)
    {
        var d = signal.Definition;
        var approaches = ApproachesOf(signal.Live.Traffic);
        return new SignalView(d.Id, d.Name, d.District, d.Zone, d.Location, signal.Status, signal.Connectivity, signal.LastSeen,
            signal.Live.SignalMode, signal.Live.SignalPhase, [.. (signal.ActiveAlarms ?? []).Select(a => a.Condition)],
            approaches, signal.Live.Traffic?.Worst);
    }

    /// <summary>The approaches that have reported, in the catalogue's order.</summary>
    internal static List<ApproachView> ApproachesOf(TrafficLoad? load) =>
        load is null ? [] : MetricCatalog.Approaches
            .Select(a => (Approach: a, State: LiveStateRules.ApproachOf(load, a)))
            .Where(x => x.State is not null)
            .Select(x => new ApproachView(x.Approach, x.State!.OccupancyPercent, x.State.Volume, x.State.Congestion))
            .ToList();
}
