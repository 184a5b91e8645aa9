using System.Globalization;
using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Grains.Notifications;
using CityControl.Incidents;
using CityControl.Rules;
using CityControl.Rules.Geo;
using CityControl.Rules.Hazards;
using CityControl.Rules.Incidents;
using CityControl.Video;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Grains.Incidents;

[GenerateSerializer, Alias("citycontrol.flood-response-state.v1")]
public sealed class FloodResponseState
{
    [Id(0)] public string? District { get; set; }
    [Id(1)] public string? Zone { get; set; }

    /// <summary>When the car park was closed (barriers commanded, subscribers told); null until then.</summary>
    [Id(2)] public DateTimeOffset? ClosedAt { get; set; }

    [Id(3)] public Dictionary<string, DeviceCommandAnswer> Barriers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Barriers whose report of being closed is on the timeline.</summary>
    [Id(4)] public List<string> BarriersReported { get; set; } = [];

    [Id(5)] public bool NoCarParkReported { get; set; }

    /// <summary>When the incident ended and the car park opened again; null until then.</summary>
    [Id(6)] public DateTimeOffset? ReopenedAt { get; set; }

    /// <summary>Barriers whose report of being open again is on the timeline.</summary>
    [Id(7)] public List<string> BarriersReopened { get; set; } = [];
}

/// <summary>
/// A flood incident's car-park response: the car park of the incident's zone closes when one of its gauges is at the
/// danger level or is predicted to reach it within the car park's lead time (its last quarter hour's rate of rise).
/// Closing attaches the car park's cameras, commands its barriers closed (each answer, and each barrier's report that
/// it closed, on the timeline), sends its subscribers an SMS (each outcome counted on the timeline) and gives the
/// incident the car park's outline as the area of its CAP alert.
/// </summary>
public sealed partial class FloodResponseGrain(
    [PersistentState("flood-response", StorageNames.GrainState)] IPersistentState<FloodResponseState> state,
    CityClock clock,
    ISubscriberNotifier notifier,
    IOptions<PublicMessageOptions> publicMessages,
    ILogger<FloodResponseGrain> logger) : Grain, IFloodResponseGrain
{
    private const string Model = "flood model";

    private FloodResponseState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    public async Task Start(string district, string zone)
    {
        S.District ??= district;
        S.Zone ??= zone;
        await state.WriteStateAsync();
        await Assess(Phrases.Say("flood.incidentOpened"));
    }

    public async Task DeviceChanged(DeviceEvent evt)
    {
        if (S.District is null)
        {
            return;
        }

        if (evt.Kind == DeviceKind.Barrier)
        {
            await BarrierReported(evt);
            return;
        }

        await Assess(IncidentCatalog.AlarmOn(evt.DeviceId, evt.Alarm?.Text), $"{evt.DeviceId}: {evt.Detail}");
    }

    public async Task Stop(string reason)
    {
        if (S.ClosedAt is null || S.ReopenedAt is not null)
        {
            return; // never closed (or already open again): nothing to undo
        }

        var now = clock.UtcNow;
        S.ReopenedAt = now;
        var carPark = await GrainFactory.GetGrain<ICarParkGrain>(CarParks.KeyOf(S.District!, S.Zone!)).Get();
        var name = carPark?.Name ?? S.Zone!;
        var steps = new List<ResponseStep> { new(Model, "car park reopening", $"{name}: {reason}", now) };
        foreach (var id in S.Barriers.Where(b => b.Value.Accepted).Select(b => b.Key).Order(StringComparer.Ordinal).ToList())
        {
            var answer = await GrainFactory.GetGrain<IBarrierGrain>(id).Command(BarrierPosition.Open, Id, reason);
            S.Barriers[id] = answer;
            steps.Add(new($"barrier {id}", answer.Accepted ? "barrier opening commanded" : "barrier command refused", answer.Detail, answer.At, answer.Said));
        }

        if (carPark is not null)
        {
            var text = PublicMessages.CarParkReopened(carPark.Name, publicMessages.Value.Signature, publicMessages.Value.Language);
            steps.Add(await Notify(carPark, text));
        }

        await GrainFactory.GetGrain<ICarParkGrain>(CarParks.KeyOf(S.District!, S.Zone!)).StopWatching(Id);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IIncidentGrain>(Id).RecordAreaResponse(null, null, [.. steps]);
        LogReopened(Id, name, reason);
    }

    public async Task OccupancyChanged(CarParkOccupancy occupancy, CountDirection? direction, string by)
    {
        if (S.ClosedAt is null || S.ReopenedAt is not null)
        {
            return;
        }

        var count = CarParkCounting.Describe(occupancy);
        var (who, action, said) = direction switch
        {
            CountDirection.In => ($"camera {by}", "vehicle entered the closed car park", Phrases.Say("flood.droveIn", count)),
            CountDirection.Out => ($"camera {by}", occupancy.Parked == 0 ? "car park empty" : "vehicle left", count),
            _ => (by, "vehicles inside set", Phrases.Say("flood.setBy", count, by)),
        };
        await GrainFactory.GetGrain<IIncidentGrain>(Id).RecordAreaResponse(null, null, [ResponseSteps.Saying(who, action, said, occupancy.UpdatedAt)]);
    }

    private Task Assess(Phrase why) => Assess(why, Phrases.InEnglish(why));

    /// <summary>Closes the car park when a gauge of its zone is at the danger level or will be within its lead time; why: what prompted the look (a phrase where it has one).</summary>
    private async Task Assess(Phrase? whySaid, string why)
    {
        if (S.ClosedAt is not null)
        {
            return;
        }

        var now = clock.UtcNow;
        var incident = GrainFactory.GetGrain<IIncidentGrain>(Id);
        if (await GrainFactory.GetGrain<ICarParkGrain>(CarParks.KeyOf(S.District!, S.Zone!)).Get() is not { } carPark)
        {
            if (!S.NoCarParkReported)
            {
                S.NoCarParkReported = true;
                await state.WriteStateAsync();
                await incident.RecordAreaResponse(null, null, [ResponseSteps.Saying(Model, "no car park", Phrases.Say("flood.noCarPark", S.Zone!, S.District!), now)]);
            }

            return;
        }

        var devices = (await GrainFactory.QueryDevices(new DeviceQuery(District: S.District)))
            .Where(d => string.Equals(d.Zone, S.Zone, StringComparison.Ordinal) && d.Status != LifecycleStatus.Decommissioned).ToList();
        var gauges = (await Task.WhenAll(devices.Where(d => d.Kind == DeviceKind.FloodSensor).Select(d => GrainFactory.GetDevice(d.Kind, d.Id).GetSnapshot())))
            .OfType<DeviceSnapshot>().ToList();
        var danger = gauges.FirstOrDefault(g => g.Live.FloodStage == FloodStage.Danger);
        var soonest = gauges.Where(g => g.Live.MinutesToDanger is not null).MinBy(g => g.Live.MinutesToDanger);
        string reason;
        Phrase closing;
        if (danger is not null)
        {
            reason = $"{danger.Definition.Id} is at the danger level ({danger.Live.WaterLevel:0.00} m)";
            closing = Phrases.Say("flood.closingDanger", whySaid, carPark.Name, danger.Definition.Id, Fixed(danger.Live.WaterLevel));
        }
        else if (soonest is { Live.MinutesToDanger: { } minutes } && minutes <= carPark.CloseWithinMinutes)
        {
            reason = $"{soonest.Definition.Id} rising {soonest.Live.FloodRisePerHour:0.00} m/h reaches the danger level in about {minutes:0} min (the car park closes {carPark.CloseWithinMinutes:0} min ahead)";
            closing = Phrases.Say("flood.closingSoon", whySaid, carPark.Name, soonest.Definition.Id, Fixed(soonest.Live.FloodRisePerHour),
                minutes.ToString("0", CultureInfo.InvariantCulture), carPark.CloseWithinMinutes.ToString("0", CultureInfo.InvariantCulture));
        }
        else
        {
            return;
        }

        S.ClosedAt = now;
        // The step says the closing in every language where what prompted it was said as a phrase (an alarm's message).
        var steps = new List<ResponseStep> { new(Model, "car park closing", $"{carPark.Name}: {reason} ({why})", now, whySaid is null ? null : closing) };
        var cameras = devices.Where(d => d.Kind == DeviceKind.Camera).Select(d => d.Id).Order(StringComparer.Ordinal).ToImmutableArray();
        if (!cameras.IsEmpty)
        {
            steps.Add(ResponseSteps.Saying(Model, "cameras attached", Phrases.Say("flood.camerasAttached", string.Join(", ", cameras), carPark.Name), now));
        }

        foreach (var barrier in devices.Where(d => d.Kind == DeviceKind.Barrier).OrderBy(d => d.Id, StringComparer.Ordinal))
        {
            var answer = await GrainFactory.GetGrain<IBarrierGrain>(barrier.Id).Command(BarrierPosition.Closed, Id, reason);
            S.Barriers[barrier.Id] = answer;
            steps.Add(new($"barrier {barrier.Id}", answer.Accepted ? "barrier closing commanded" : "barrier command refused", answer.Detail, answer.At, answer.Said));
        }

        var text = PublicMessages.CarParkClosing(carPark.Name, publicMessages.Value.Signature, publicMessages.Value.Language);
        steps.Add(await Notify(carPark, text));

        // Whether vehicles are still parked, by the entrance cameras' counts; each count from now on follows.
        var carParkGrain = GrainFactory.GetGrain<ICarParkGrain>(CarParks.KeyOf(S.District!, S.Zone!));
        var occupancy = await carParkGrain.GetOccupancy();
        steps.Add(occupancy is null
            ? ResponseSteps.Saying(Model, "vehicles inside unknown", Phrases.Say("flood.insideUnknown"), now)
            : ResponseSteps.Saying(Model, occupancy.Parked == 0 ? "car park empty" : "vehicles still parked", CarParkCounting.Describe(occupancy), now));
        await carParkGrain.Watch(Id);
        await state.WriteStateAsync();
        var area = carPark.Outline.IsDefaultOrEmpty ? OutlineOf(devices) : carPark.Outline;
        await incident.RecordAreaResponse(area, cameras, [.. steps]);
        LogClosed(Id, carPark.Name, reason);
    }

    /// <summary>Texts the car park's subscribers; the step that says how many were sent (phone numbers masked).</summary>
    private async Task<ResponseStep> Notify(CarPark carPark, string text)
    {
        var results = carPark.Subscribers.IsEmpty ? [] : await notifier.SendAsync(carPark.Subscribers, text, CancellationToken.None);
        var sent = results.Count(r => r.Sent);
        var notSent = sent < results.Count
            ? Phrases.Say("notify.notSent", string.Join("; ", results.Where(r => !r.Sent).Select(r => $"{Mask(r.Phone)} ({r.Detail})").Distinct().Take(5)))
            : null;
        return ResponseSteps.Saying("notification channel", "subscribers notified",
            results.Count == 0 ? Phrases.Say("notify.none") : Phrases.Say("notify.sent", notSent, sent.ToString(CultureInfo.InvariantCulture), results.Count.ToString(CultureInfo.InvariantCulture)),
            clock.UtcNow);
    }

    private async Task BarrierReported(DeviceEvent evt)
    {
        // Each barrier's report of closing, and after the incident its report of opening again, goes on the timeline once.
        var reported = S.ReopenedAt is null ? S.BarriersReported : S.BarriersReopened;
        if (evt.Live?.BarrierCommand is not { IncidentId: var incidentId, DoneAt: { } done, Target: var target } || incidentId != Id
            || target != (S.ReopenedAt is null ? BarrierPosition.Closed : BarrierPosition.Open) || reported.Contains(evt.DeviceId))
        {
            return;
        }

        reported.Add(evt.DeviceId);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IIncidentGrain>(Id).RecordAreaResponse(null, null,
            [new ResponseStep($"barrier {evt.DeviceId}", $"barrier {target.ToString().ToLowerInvariant()}", $"reported {target.ToString().ToLowerInvariant()} by the barrier", done)]);
    }

    private static string Fixed(double? value) => value?.ToString("0.00", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Without a drawn outline: the zone's devices' hull with a 30 m margin.</summary>
    private static ImmutableArray<GeoPoint> OutlineOf(IReadOnlyList<DeviceSummary> devices) =>
        [.. GeoDistance.Hull([.. devices.Select(d => d.Location)], 30, 4).Shell.Coordinates.Select(c => new GeoPoint(Math.Round(c.Y, 7), Math.Round(c.X, 7)))];

    /// <summary>A phone number as the timeline may show it: its last four digits only.</summary>
    private static string Mask(string phone) => phone.Length <= 4 ? "****" : new string('*', phone.Length - 4) + phone[^4..];

    [LoggerMessage(Level = LogLevel.Information, Message = "Incident {IncidentId}: car park {CarPark} closing: {Reason}")]
    private partial void LogClosed(string incidentId, string carPark, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Incident {IncidentId}: car park {CarPark} reopening: {Reason}")]
    private partial void LogReopened(string incidentId, string carPark, string reason);
}
