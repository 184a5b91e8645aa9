using System.Globalization;
using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Grains.Persistence;
using CityControl.Incidents;
using CityControl.Rules;
using CityControl.Rules.Devices;
using CityControl.Rules.Geo;
using CityControl.Rules.Hazards;
using CityControl.Rules.Incidents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Grains.Incidents;

[GenerateSerializer, Alias("citycontrol.hazard-response-state.v1")]
public sealed class HazardResponseState
{
    [Id(0)] public HazardStart? Start { get; set; }
    [Id(1)] public bool Active { get; set; }
    [Id(2)] public HazardZone? Zone { get; set; }
    [Id(3)] public List<HazardZone> History { get; set; } = [];
    [Id(4)] public List<string> Cameras { get; set; } = [];

    /// <summary>Each signal's last answer (its plan, or a refusal).</summary>
    [Id(5)] public Dictionary<string, SignalPlanAnswer> Signals { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Each warning device's last answer, and the sequence it was last seen playing.</summary>
    [Id(6)] public Dictionary<string, WarningCommandAnswer> Warnings { get; set; } = new(StringComparer.Ordinal);

    [Id(7)] public Dictionary<string, int> WarningsPlaying { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The districts whose correlators forward device changes to this response.</summary>
    [Id(8)] public List<string> Watched { get; set; } = [];

    /// <summary>The gas has no ERG row: said once on the timeline.</summary>
    [Id(9)] public bool NoZoneReported { get; set; }
}

/// <summary>
/// A confirmed leak's hazard response. It draws the zone (<see cref="HazardZoneRules"/>) from the detectors of the gas
/// and the nearest weather station, and from each new version of it attaches the cameras that look at it, puts the
/// signals in and around it on evacuation or closure plans (and those it left back on their own), and sends the public
/// warning to the warning devices in reach; every step goes on the incident's timeline. A wind turn, a detector's new
/// level or a warning device's report reaches it through the districts' correlators.
/// </summary>
public sealed partial class HazardResponseGrain(
    [PersistentState("hazard", StorageNames.GrainState)] IPersistentState<HazardResponseState> state,
    CityClock clock,
    IOptions<HazardOptions> options,
    IOptions<PublicMessageOptions> publicMessages,
    ILogger<HazardResponseGrain> logger) : Grain, IHazardResponseGrain
{
    private const string Model = "hazard model";

    /// <summary>History kept on the response (the incident keeps every step on its timeline).</summary>
    private const int HistoryKept = 50;

    private HazardResponseState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    public async Task Start(HazardStart start)
    {
        if (S.Start is not null && !S.Active)
        {
            return; // stopped: the incident ended
        }

        // A leak called in and then confirmed by detectors: the detectors join the call's chemical and spill.
        S.Start = S.Start is null ? start : S.Start with
        {
            GasDevices = [.. S.Start.GasDevices.Union(start.GasDevices, StringComparer.Ordinal)],
            Gas = S.Start.Gas ?? start.Gas,
            Spill = S.Start.Spill ?? start.Spill,
        };
        S.Active = true;
        await state.WriteStateAsync();
        await Watch(start.District);
        await Assess(Phrases.Say(S.Zone is null ? (start.GasDevices.IsEmpty && start.Gas is not null ? "hazard.calledIn" : "hazard.leakConfirmed") : start.GasDevices.IsEmpty ? "hazard.restarted" : "hazard.detectorsConfirm"));
    }

    public async Task DeviceChanged(DeviceEvent evt)
    {
        if (!S.Active)
        {
            return;
        }

        if (evt.Kind == DeviceKind.WarningDevice)
        {
            await WarningReported(evt);
            return;
        }

        var why = evt.Kind == DeviceKind.WeatherStation
            ? evt.Live?.Wind is { SpeedMetersPerSecond: { } speed, FromDegrees: { } from }
                ? Phrases.Say("hazard.windReported", evt.DeviceId, speed.ToString("0.#", CultureInfo.InvariantCulture), from.ToString("0", CultureInfo.InvariantCulture))
                : Phrases.Say("hazard.changeReported", evt.DeviceId)
            : evt.Live?.GasLevel is { } level
                ? Phrases.Say("hazard.gasNow", evt.DeviceId, Phrases.Word("gasLevel", level))
                : Phrases.Say("hazard.gasChanged", evt.DeviceId);
        await Assess(why);
    }

    public async Task Stop(string reason)
    {
        if (!S.Active)
        {
            return;
        }

        S.Active = false;
        var now = clock.UtcNow;
        var steps = new List<ResponseStep>();
        foreach (var (id, answer) in S.Signals.Where(s => s.Value is { Accepted: true, Plan: not SignalPlan.Normal }).ToList())
        {
            var back = await GrainFactory.GetGrain<ITrafficSignalGrain>(id).ApplyPlan(new SignalPlanCommand(SignalPlan.Normal, Id, reason, now));
            S.Signals[id] = back;
            steps.Add(SignalStep(back));
        }

        foreach (var id in S.Warnings.Where(w => w.Value.Accepted).Select(w => w.Key).ToList())
        {
            var answer = await GrainFactory.GetGrain<IWarningDeviceGrain>(id).Silence(Id, now);
            S.Warnings[id] = answer;
            steps.Add(new ResponseStep($"warning device {id}", "public warning ended", answer.Detail, answer.At));
        }

        steps.Add(new ResponseStep(Model, "hazard response ended", reason, now));
        await state.WriteStateAsync();
        foreach (var district in S.Watched)
        {
            await GrainFactory.GetGrain<IIncidentCorrelatorGrain>(district).WatchHazard(Id, false);
        }

        await Incident.RecordHazard(null, null, [.. steps]);
    }

    public Task<HazardResponse?> Get() => Task.FromResult(S.Start is null
        ? null
        : new HazardResponse(Id, S.Zone, [.. S.History], [.. S.Cameras], [.. S.Signals.Values.OrderBy(s => s.SignalId, StringComparer.Ordinal)], S.Active));

    private IIncidentGrain Incident => GrainFactory.GetGrain<IIncidentGrain>(Id);

    /// <summary>Draws the zone again and, when it is a new version, drives everything from it.</summary>
    private async Task Assess(Phrase why)
    {
        var start = S.Start!;
        var now = clock.UtcNow;
        var gasDevices = await Snapshots(DeviceKind.GasSensor, start.Location, options.Value.DetectorRadiusMeters);
        var alarming = gasDevices.Where(d => start.GasDevices.Contains(d.Definition.Id)).ToList();
        var gas = alarming.Select(d => d.Definition.GasSensor?.Gas).FirstOrDefault(g => g is not null)
            ?? start.Gas
            ?? gasDevices.Select(d => d.Definition.GasSensor?.Gas).FirstOrDefault(g => g is not null);
        if (gas is null || ErgTable.Find(gas) is null)
        {
            if (!S.NoZoneReported)
            {
                S.NoZoneReported = true;
                await state.WriteStateAsync();
                await Incident.RecordHazard(null, null, [ResponseSteps.Saying(Model, "no hazard zone",
                    gas is null ? Phrases.Say("hazard.noGas", ErgTable.Edition) : Phrases.Say("hazard.notToxic", gas, ErgTable.Edition), now)]);
            }

            return;
        }

        var readings = gasDevices
            .Where(d => string.Equals(d.Definition.GasSensor?.Gas, gas, StringComparison.OrdinalIgnoreCase))
            .Select(ReadingOf)
            .OfType<GasReadingAt>()
            .ToList();
        // The set-points of a detector of the gas, when there is one near (the plume's contours); a called-in leak far
        // from any detector has the ERG distances alone.
        var settings = alarming.Select(d => d.Definition.GasSensor).FirstOrDefault()
            ?? gasDevices.Select(d => d.Definition.GasSensor).FirstOrDefault(g => string.Equals(g?.Gas, gas, StringComparison.OrdinalIgnoreCase));
        var lowPpm = settings?.Low is { } low ? GasCatalog.Convert(low, settings.Unit, "ppm", gas) : null;
        var highPpm = settings?.High is { } high ? GasCatalog.Convert(high, settings.Unit, "ppm", gas) : null;
        var source = readings.Where(r => start.GasDevices.Contains(r.DeviceId)).MaxBy(r => r.Ppm)?.Location ?? start.Location;
        var wind = await WindNear(source);
        var spill = HazardZoneRules.SpillOf(readings, highPpm);
        if (start.Spill == SpillSize.Large || S.Zone is { Spill: SpillSize.Large })
        {
            spill = SpillSize.Large; // a leak that was large stays large while it lasts
        }

        var next = HazardZoneRules.Compute(new HazardInputs(gas, spill, source, now, wind, readings, options.Value.Terrain, lowPpm, highPpm), (S.Zone?.Version ?? 0) + 1);
        if (next is null || !HazardZoneRules.IsNewVersion(S.Zone, next))
        {
            return;
        }

        S.Zone = next;
        S.History.Add(next);
        if (S.History.Count > HistoryKept)
        {
            S.History.RemoveAt(0);
        }

        var steps = new List<ResponseStep>
        {
            ResponseSteps.Saying(Model, "hazard zone", Phrases.Say("hazard.zone", why, next.Version.ToString(CultureInfo.InvariantCulture), next.Basis,
                next.Plume is { } plume ? $"; plume class {plume.Stability}, release about {plume.ReleaseGramsPerSecond.ToString("0.#", CultureInfo.InvariantCulture)} g/s from {plume.EstimatedFrom}" : ""), now),
        };

        // Everything within reach of the zone: its farthest point from the source, plus a margin for views and entries.
        var reach = next.Outline.Max(p => GeoDistance.Meters(next.Source, p));
        var cameras = await Snapshots(DeviceKind.Camera, next.Source, reach + 1000);
        var attached = HazardZoneRules.CamerasViewing(next, cameras.Select(c => (c.Definition.Id, c.Definition.Location, c.Definition.Camera)));
        var added = attached.Except(S.Cameras, StringComparer.Ordinal).ToList();
        var removed = S.Cameras.Except(attached, StringComparer.Ordinal).ToList();
        if (added.Count > 0 || removed.Count > 0)
        {
            var left = removed.Count > 0 ? Phrases.Say(added.Count > 0 ? "hazard.camerasLeftToo" : "hazard.camerasLeft", string.Join(", ", removed)) : null;
            steps.Add(ResponseSteps.Saying(Model, "cameras attached", added.Count > 0 ? Phrases.Say("hazard.camerasLook", left, string.Join(", ", added)) : left!, now));
        }

        S.Cameras = [.. attached];
        if (next.Version == 1)
        {
            // The fire dispatcher is offered the nearest available units, with how far their stations are.
            var nearest = await GrainFactory.GetGrain<IUnitRosterGrain>(UnitRosters.KeyOf(Agency.Fire)).NearestAvailable(next.Source, 3);
            steps.Add(ResponseSteps.Saying(Model, "fire units proposed", nearest.IsEmpty
                ? Phrases.Say("hazard.noFireUnit")
                : Phrases.Say("hazard.fireUnits", string.Join(", ", nearest.Select(n => $"{n.Unit.Name} ({n.Unit.Id}) {(n.Meters / 1000).ToString("0.0", CultureInfo.InvariantCulture)} km"))), now));
        }

        steps.AddRange(await CommandSignals(next, reach, now));
        steps.AddRange(await SendWarnings(next, reach, now));
        await state.WriteStateAsync();
        await Incident.RecordHazard(next, [.. S.Cameras], [.. steps]);
        LogZone(Id, next.Version, next.Basis);
    }

    private async Task<IEnumerable<ResponseStep>> CommandSignals(HazardZone zone, double reach, DateTimeOffset now)
    {
        var signals = await Summaries(DeviceKind.TrafficSignal, zone.Source, reach + HazardZoneRules.EntryRingMeters);
        var plans = HazardZoneRules.SignalPlans(zone, signals.Select(s => (s.Id, s.Location)));
        var steps = new List<ResponseStep>();
        foreach (var (id, plan, distance) in plans)
        {
            if (S.Signals.TryGetValue(id, out var held) && held.Accepted && held.Plan == plan)
            {
                continue;
            }

            var reason = plan == SignalPlan.Evacuation ? $"inside hazard zone {zone.Version}" : $"{distance:0} m outside hazard zone {zone.Version}: a way in";
            var answer = await GrainFactory.GetGrain<ITrafficSignalGrain>(id).ApplyPlan(new SignalPlanCommand(plan, Id, reason, now));
            S.Signals[id] = answer;
            steps.Add(SignalStep(answer));
        }

        // Signals the zone no longer reaches go back to their own plans.
        foreach (var (id, held) in S.Signals.Where(s => s.Value is { Accepted: true, Plan: not SignalPlan.Normal } && !plans.Any(p => p.Id == s.Key)).ToList())
        {
            var answer = await GrainFactory.GetGrain<ITrafficSignalGrain>(id).ApplyPlan(new SignalPlanCommand(SignalPlan.Normal, Id, $"outside hazard zone {zone.Version}", now));
            S.Signals[id] = answer;
            steps.Add(SignalStep(answer));
        }

        return steps;
    }

    private async Task<IEnumerable<ResponseStep>> SendWarnings(HazardZone zone, double reach, DateTimeOffset now)
    {
        var devices = await Snapshots(DeviceKind.WarningDevice, zone.Source, reach + 5000);
        var outside = HazardZoneRules.MetresOutside(zone, devices.Select(d => (d.Definition.Id, d.Definition.Location)));
        var steps = new List<ResponseStep>();
        var inReach = new HashSet<string>(StringComparer.Ordinal);
        foreach (var device in devices)
        {
            var d = device.Definition;
            var distance = outside[d.Id];
            if (d.WarningDevice is not { } settings || distance > settings.RangeMeters)
            {
                continue;
            }

            inReach.Add(d.Id);
            var language = publicMessages.Value.Language;
            var message = settings.Type == WarningDeviceType.MessageSign ? PublicMessages.SignText(zone, language) : PublicMessages.Instruction(zone, language);
            var answer = await GrainFactory.GetGrain<IWarningDeviceGrain>(d.Id).Broadcast(new WarningCommand(Id, message, now));
            var before = S.Warnings.GetValueOrDefault(d.Id);
            S.Warnings[d.Id] = answer;
            if (before is null || before.Sequence != answer.Sequence || before.Accepted != answer.Accepted)
            {
                var type = Phrases.Word("warningType", settings.Type);
                var sequence = answer.Sequence.ToString(CultureInfo.InvariantCulture);
                steps.Add(answer.Accepted
                    ? ResponseSteps.Saying($"warning device {d.Id}", "public warning sent", distance == 0
                        ? Phrases.Say("hazard.warningInside", sequence, type, message)
                        : Phrases.Say("hazard.warningNear", sequence, type, distance.ToString("0", CultureInfo.InvariantCulture), message), answer.At)
                    : new ResponseStep($"warning device {d.Id}", "public warning refused", answer.Detail, answer.At));
            }
        }

        foreach (var id in S.Warnings.Where(w => w.Value.Accepted && w.Value.Sequence > 0 && !inReach.Contains(w.Key)).Select(w => w.Key).ToList())
        {
            var answer = await GrainFactory.GetGrain<IWarningDeviceGrain>(id).Silence(Id, now);
            S.Warnings[id] = answer with { Sequence = 0 };
            steps.Add(ResponseSteps.Saying($"warning device {id}", "public warning ended", Phrases.Say("hazard.outOfReach", zone.Version.ToString(CultureInfo.InvariantCulture), answer.Detail), answer.At));
        }

        return steps;
    }

    /// <summary>A warning device reported the message it plays: the first report of each message goes on the timeline.</summary>
    private async Task WarningReported(DeviceEvent evt)
    {
        if (evt.Live?.Warning is not { IncidentId: var incident, ReportedAt: { } at, Active: true, Sequence: var sequence } || incident != Id
            || S.WarningsPlaying.GetValueOrDefault(evt.DeviceId) >= sequence)
        {
            return;
        }

        S.WarningsPlaying[evt.DeviceId] = sequence;
        await state.WriteStateAsync();
        await Incident.RecordHazard(null, null, [ResponseSteps.Saying($"warning device {evt.DeviceId}", "public warning playing", Phrases.Say("hazard.playing", sequence.ToString(CultureInfo.InvariantCulture)), at)]);
    }

    private static ResponseStep SignalStep(SignalPlanAnswer answer) => new(
        $"signal {answer.SignalId}",
        answer.Accepted ? (answer.Plan == SignalPlan.Normal ? "signal back on its own plan" : "signal plan acknowledged") : "signal plan refused",
        $"{answer.Plan}: {answer.Detail}",
        answer.At);

    /// <summary>The nearest station within the configured radius that reports both wind speed and direction and is in contact.</summary>
    private async Task<WindObservation?> WindNear(GeoPoint source)
    {
        var stations = await Snapshots(DeviceKind.WeatherStation, source, options.Value.WeatherStationRadiusMeters);
        var station = stations
            .Where(s => s.Connectivity != Connectivity.Offline && s.Live.Wind is { SpeedMetersPerSecond: not null, FromDegrees: not null })
            .MinBy(s => GeoDistance.Meters(source, s.Definition.Location));
        if (station is null)
        {
            return null;
        }

        await Watch(station.Definition.District);
        var w = station.Live.Wind!;
        var at = station.LatestReadings.TryGetValue(MetricCatalog.WindDirection, out var reading) ? reading.Timestamp : station.LastSeen ?? clock.UtcNow;
        return new WindObservation(station.Definition.Id, w.SpeedMetersPerSecond!.Value, w.FromDegrees!.Value, at, w.CloudOktas, w.SolarRadiation);
    }

    private static GasReadingAt? ReadingOf(DeviceSnapshot d)
    {
        if (d.Definition.GasSensor is not { } gas || !d.LatestReadings.TryGetValue(MetricCatalog.Concentration, out var reading)
            || GasCatalog.Convert(reading.Value, reading.Unit, "ppm", gas.Gas) is not { } ppm)
        {
            return null;
        }

        return new GasReadingAt(d.Definition.Id, d.Definition.Location, ppm, gas.FullScale is { } full && reading.Value >= full);
    }

    private async Task<List<DeviceSummary>> Summaries(DeviceKind kind, GeoPoint near, double radius) =>
        [.. (await GrainFactory.QueryDevices(new DeviceQuery(Kind: kind)))
            .Where(d => d.Status is not (LifecycleStatus.Decommissioned) && GeoDistance.Meters(near, d.Location) <= radius)];

    private async Task<List<DeviceSnapshot>> Snapshots(DeviceKind kind, GeoPoint near, double radius)
    {
        var summaries = await Summaries(kind, near, radius);
        var snapshots = await Task.WhenAll(summaries.Select(s => GrainFactory.GetDevice(kind, s.Id).GetSnapshot()));
        return [.. snapshots.OfType<DeviceSnapshot>()];
    }

    private async Task Watch(string district)
    {
        if (!S.Watched.Contains(district))
        {
            await GrainFactory.GetGrain<IIncidentCorrelatorGrain>(district).WatchHazard(Id, true);
            S.Watched.Add(district);
            await state.WriteStateAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Incident {IncidentId}: hazard zone {Version}: {Basis}")]
    private partial void LogZone(string incidentId, int version, string basis);
}
