using System.Globalization;
using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>Derives a device's live state from its newest readings, and says when the change is worth persisting at once.</summary>
public static class LiveStateRules
{
    /// <summary>Applies one reading, already in the device's unit, that is the newest of its metric.</summary>
    public static LiveState Apply(DeviceDefinition device, LiveState live, Reading reading) => (device.Kind, reading.Metric) switch
    {
        (DeviceKind.Camera, MetricCatalog.StreamUp) => live with { StreamUp = reading.Value >= 1 },
        (DeviceKind.TrafficSignal, MetricCatalog.Mode) => live with { SignalMode = (SignalMode)(int)reading.Value },
        (DeviceKind.TrafficSignal, MetricCatalog.Phase) => live with { SignalPhase = (int)reading.Value },
        (DeviceKind.TrafficSignal, _) when MetricCatalog.ApproachOf(reading.Metric) is ({ } metric, { } approach) =>
            live with { Traffic = WithApproach(live.Traffic ?? new TrafficLoad(), metric, approach, reading.Value) },
        (DeviceKind.GasSensor, MetricCatalog.Concentration) => live with
        {
            GasConcentration = reading.Value,
            GasLevel = GasLevelOf(device.GasSensor!, reading.Value),
        },
        (DeviceKind.FloodSensor, MetricCatalog.WaterLevel) => live with
        {
            WaterLevel = reading.Value,
            FloodStage = FloodStageOf(device.FloodSensor!, reading.Value),
        },
        (DeviceKind.WeatherStation, MetricCatalog.WindSpeed) => live with { Wind = (live.Wind ?? new WindState(null, null)) with { SpeedMetersPerSecond = reading.Value } },
        (DeviceKind.WeatherStation, MetricCatalog.WindDirection) => live with { Wind = (live.Wind ?? new WindState(null, null)) with { FromDegrees = reading.Value % 360 } },
        (DeviceKind.WeatherStation, MetricCatalog.CloudCover) => live with { Wind = (live.Wind ?? new WindState(null, null)) with { CloudOktas = reading.Value } },
        (DeviceKind.WeatherStation, MetricCatalog.SolarRadiation) => live with { Wind = (live.Wind ?? new WindState(null, null)) with { SolarRadiation = reading.Value } },
        (DeviceKind.WeatherStation, MetricCatalog.Temperature) => live with { Wind = (live.Wind ?? new WindState(null, null)) with { Temperature = reading.Value } },
        (DeviceKind.Barrier, MetricCatalog.Position) => live with
        {
            BarrierPosition = (BarrierPosition)(int)reading.Value,
            BarrierCommand = live.BarrierCommand is { DoneAt: null } command && (int)command.Target == (int)reading.Value
                ? command with { DoneAt = reading.Timestamp }
                : live.BarrierCommand,
        },
        (DeviceKind.WarningDevice, MetricCatalog.Playing) when live.Warning is { } warning => live with
        {
            // The device reports the sequence it plays: the current message's is its acknowledgement, 0 is silence.
            Warning = reading.Value == warning.Sequence
                ? warning with { ReportedAt = warning.ReportedAt ?? reading.Timestamp }
                : reading.Value == 0 && !warning.Active ? warning with { ReportedAt = reading.Timestamp } : warning,
        },
        _ => live,
    };

    /// <summary>A wind turn of at least this many degrees, or a speed change of this many m/s, is a change hazard zones act on.</summary>
    public const double WindTurnDegrees = 10;

    public const double WindSpeedChange = 1;

    /// <summary>Changes that alarms and operators care about: these are written to storage at once, the rest at the next checkpoint.</summary>
    public static bool IsMeaningfulChange(LiveState before, LiveState after) =>
        before.SignalMode != after.SignalMode
        || before.FloodStage != after.FloodStage
        || before.GasLevel != after.GasLevel
        || before.StreamUp != after.StreamUp
        || before.SignalPlan != after.SignalPlan
        || before.Warning != after.Warning
        || before.BarrierPosition != after.BarrierPosition
        || before.BarrierCommand != after.BarrierCommand
        || FloodPrediction.Band(before.MinutesToDanger) != FloodPrediction.Band(after.MinutesToDanger)
        || WindMoved(before.Wind, after.Wind);

    /// <summary>Whether the wind turned or changed speed enough for a hazard zone to be drawn again.</summary>
    public static bool WindMoved(WindState? before, WindState? after)
    {
        if (after is not { SpeedMetersPerSecond: { } speed, FromDegrees: { } from })
        {
            return false;
        }

        if (before is not { SpeedMetersPerSecond: { } oldSpeed, FromDegrees: { } oldFrom })
        {
            return true;
        }

        var turn = Math.Abs(from - oldFrom) % 360;
        return Math.Min(turn, 360 - turn) >= WindTurnDegrees || Math.Abs(speed - oldSpeed) >= WindSpeedChange;
    }

    /// <summary>What a screen shows moved although no one need act (a phase, an approach's load): worth a live update, not a storage write.</summary>
    public static bool IsDisplayedChange(LiveState before, LiveState after) =>
        before.SignalPhase != after.SignalPhase || before.Traffic != after.Traffic || before.Wind != after.Wind
        || (after.MinutesToDanger is <= FloodPrediction.WatchedMinutes && Math.Round(before.MinutesToDanger ?? -1) != Math.Round(after.MinutesToDanger.Value));

    /// <summary>What the device's live state says, part by part ("gas High, flood Alert"); null when it says nothing.</summary>
    public static Phrase? Said(LiveState live) =>
        Phrases.Join(new[]
        {
            live.SignalMode is { } m ? Phrases.Say("state.signal", Phrases.Word("mode", m)) : null,
            live.GasLevel is { } g ? Phrases.Say("state.gas", Phrases.Word("gasLevel", g)) : null,
            live.FloodStage is { } f ? Phrases.Say("state.flood", Phrases.Word("floodStage", f)) : null,
            live.StreamUp is { } s ? Phrases.Say(s ? "state.streamUp" : "state.streamLost") : null,
            live.Wind is { SpeedMetersPerSecond: { } speed, FromDegrees: { } from }
                ? Phrases.Say("state.wind", speed.ToString("0.#", CultureInfo.InvariantCulture), from.ToString("0", CultureInfo.InvariantCulture))
                : null,
            live.SignalPlan is { } plan ? Phrases.Say("state.plan", plan.Plan.ToString(), plan.IncidentId) : null,
            live.Warning is { Active: true } w ? Phrases.Say(w.ReportedAt is null ? "state.messageSent" : "state.messagePlaying", w.Sequence.ToString(CultureInfo.InvariantCulture)) : null,
            live.MinutesToDanger is { } minutes
                ? Phrases.Say("state.dangerIn", minutes.ToString("0", CultureInfo.InvariantCulture), (live.FloodRisePerHour ?? 0).ToString("0.##", CultureInfo.InvariantCulture))
                : null,
            live.BarrierPosition is { } position ? Phrases.Say("state.barrier", Phrases.Word("barrier", position, position.ToString().ToLowerInvariant())) : null,
        }.OfType<Phrase>());

    /// <summary>One approach's state in a signal's load, by its name in <see cref="MetricCatalog.Approaches"/>.</summary>
    public static ApproachState? ApproachOf(TrafficLoad load, string approach) => approach switch
    {
        "NB" => load.NB,
        "SB" => load.SB,
        "EB" => load.EB,
        "WB" => load.WB,
        _ => null,
    };

    private static TrafficLoad WithApproach(TrafficLoad load, string metric, string approach, double value)
    {
        var current = ApproachOf(load, approach) ?? new ApproachState(null, null, null);
        var next = metric == MetricCatalog.Occupancy
            ? current with { OccupancyPercent = value, Congestion = TrafficCongestion.Of(value) }
            : current with { Volume = value };
        var updated = approach switch
        {
            "NB" => load with { NB = next },
            "SB" => load with { SB = next },
            "EB" => load with { EB = next },
            _ => load with { WB = next },
        };
        return updated with { Worst = MetricCatalog.Approaches.Select(a => ApproachOf(updated, a)?.Congestion).Max() };
    }

    public static GasLevel GasLevelOf(GasSensorSettings settings, double value) => value switch
    {
        _ when settings.High is { } high && value >= high => GasLevel.High,
        _ when settings.Low is { } low && value >= low => GasLevel.Low,
        _ => GasLevel.Normal,
    };

    public static FloodStage FloodStageOf(FloodSensorSettings settings, double level) => level switch
    {
        _ when level >= settings.DangerLevel => FloodStage.Danger,
        _ when level >= settings.AlertLevel => FloodStage.Alert,
        _ => FloodStage.Normal,
    };

    /// <summary>The unit a device keeps a metric in: gas in its configured unit, water level in metres, others as reported.</summary>
    public static Reading? Normalize(DeviceDefinition device, Reading reading) => (device.Kind, reading.Metric) switch
    {
        (DeviceKind.GasSensor, MetricCatalog.Concentration) when device.GasSensor is { } gas =>
            GasCatalog.Convert(reading.Value, reading.Unit, gas.Unit, gas.Gas) is { } v ? reading with { Value = v, Unit = gas.Unit } : null,
        (DeviceKind.FloodSensor, MetricCatalog.WaterLevel) when reading.Unit == "cm" => reading with { Value = reading.Value / 100, Unit = "m" },
        (DeviceKind.WeatherStation, MetricCatalog.WindSpeed) when reading.Unit == "km/h" => reading with { Value = reading.Value / 3.6, Unit = "m/s" },
        _ => reading,
    };
}
