using System.Globalization;
using CityControl.Alarms;
using CityControl.Devices;
using CityControl.Rules.Devices;

namespace CityControl.Rules.Alarms;

/// <summary>
/// The alarm rules every device applies to its own readings: set-points with deadband and delay-on, exposure
/// averages, rate of rise and sensor faults for gas detectors; stages and rate of rise for flood gauges; controller
/// modes and stuck phases for signals; stream loss for cameras. Each reading yields the conditions that became
/// active or inactive. Readings must be in the device's unit (see <see cref="LiveStateRules.Normalize"/>).
/// </summary>
public static class AlarmRules
{
    public static readonly TimeSpan TwaWindow = TimeSpan.FromHours(8);
    public static readonly TimeSpan StelWindow = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(5);
    public const double DefaultDeadbandPercent = 5;
    public const double DefaultFlatlineMinutes = 60;

    /// <summary>Averages over 15 minutes and 8 hours move slowly: comparing them with their limits every 10 s of readings is plenty.</summary>
    public static readonly TimeSpan ExposureCheckPeriod = TimeSpan.FromSeconds(10);

    /// <summary>Readings older than the newest one already evaluated for their metric are history only: rules look forward.</summary>
    public static IReadOnlyList<AlarmTransition> Apply(DeviceDefinition device, AlarmRuleState state, Reading reading)
    {
        if (state.LastEvaluated.TryGetValue(reading.Metric, out var last) && reading.Timestamp <= last)
        {
            return [];
        }

        state.LastEvaluated[reading.Metric] = reading.Timestamp;
        var changes = new List<AlarmTransition>();
        switch (device.Kind, reading.Metric)
        {
            case (DeviceKind.GasSensor, MetricCatalog.Concentration):
                Gas(device.GasSensor!, state, reading, changes);
                break;
            case (DeviceKind.FloodSensor, MetricCatalog.WaterLevel):
                Flood(device.FloodSensor!, state, reading, changes);
                break;
            case (DeviceKind.TrafficSignal, MetricCatalog.Mode):
                var mode = (SignalMode)(int)reading.Value;
                Set(state, changes, AlarmCondition.SignalFlash, mode == SignalMode.Flash, reading, () => Phrases.Say("alarm.signalFlash"));
                Set(state, changes, AlarmCondition.SignalFault, mode == SignalMode.Fault, reading, () => Phrases.Say("alarm.signalFault"));
                Set(state, changes, AlarmCondition.SignalPreemption, mode == SignalMode.Preemption, reading, () => Phrases.Say("alarm.preemption"));
                break;
            case (DeviceKind.TrafficSignal, MetricCatalog.Phase):
                StuckPhase(device.TrafficSignal!, state, reading, changes);
                break;
            case (DeviceKind.Camera, MetricCatalog.StreamUp):
                Set(state, changes, AlarmCondition.CameraStreamLoss, reading.Value < 1, reading, () => Phrases.Say("alarm.streamLost"));
                break;
        }

        return changes;
    }

    /// <summary>The offline condition follows the heartbeat watchdog.</summary>
    public static AlarmTransition? Connectivity(AlarmRuleState state, Connectivity connectivity, DateTimeOffset at, DateTimeOffset? lastSeen)
    {
        var changes = new List<AlarmTransition>();
        Set(state, changes, AlarmCondition.DeviceOffline, connectivity == CityControl.Devices.Connectivity.Offline, at, null,
            () => connectivity == CityControl.Devices.Connectivity.Offline ? Phrases.Say("alarm.offline", lastSeen is { } seen ? Phrases.Time(seen) : "-") : Phrases.Say("alarm.online"));
        return changes.FirstOrDefault();
    }

    private static void Gas(GasSensorSettings gas, AlarmRuleState state, Reading reading, List<AlarmTransition> changes)
    {
        var v = reading.Value;
        var deadband = (gas.DeadbandPercent ?? DefaultDeadbandPercent) / 100;
        var delayOn = TimeSpan.FromSeconds(gas.DelayOnSeconds ?? 0);
        var unit = gas.Unit;

        Threshold(state, changes, AlarmCondition.GasLow, gas.Low, v, deadband, delayOn, reading.Timestamp, () => Phrases.Say("alarm.gasLow", gas.Gas, Format(v), unit, Format(gas.Low)));
        Threshold(state, changes, AlarmCondition.GasHigh, gas.High, v, deadband, delayOn, reading.Timestamp, () => Phrases.Say("alarm.gasHigh", gas.Gas, Format(v), unit, Format(gas.High)));

        // The exposure window holds the concentration the person was exposed to; a reading outside the sensor's range is not one.
        var inRange = v >= -Tolerance(gas) && (gas.FullScale is not { } scale || v <= scale);
        if (inRange)
        {
            state.Exposure.Add(reading.Timestamp, Math.Max(0, v), TwaWindow);
        }

        if (inRange && (gas.Twa is not null || gas.Stel is not null)
            && (state.ExposureCheckedAt is not { } checkedAt || reading.Timestamp - checkedAt >= ExposureCheckPeriod))
        {
            state.ExposureCheckedAt = reading.Timestamp;
            var twa = state.Exposure.Average(reading.Timestamp, TwaWindow);
            var stel = state.Exposure.Average(reading.Timestamp, StelWindow);
            Threshold(state, changes, AlarmCondition.GasTwa, gas.Twa, twa, deadband, TimeSpan.Zero, reading.Timestamp, () => Phrases.Say("alarm.gasTwa", Format(twa), unit, Format(gas.Twa)));
            Threshold(state, changes, AlarmCondition.GasStel, gas.Stel, stel, deadband, TimeSpan.Zero, reading.Timestamp, () => Phrases.Say("alarm.gasStel", Format(stel), unit, Format(gas.Stel)));
        }

        Set(state, changes, AlarmCondition.SensorOutOfRange, !inRange, reading,
            () => gas.FullScale is { } full && v > full ? Phrases.Say("alarm.aboveRange", Format(v), unit, Format(full)) : Phrases.Say("alarm.belowZero", Format(v), unit));

        if (gas.RateOfRisePerMinute is { } rate)
        {
            var rise = RisePerMinute(state, reading);
            Threshold(state, changes, AlarmCondition.GasRateOfRise, rate, rise, deadband, TimeSpan.Zero, reading.Timestamp, () => Phrases.Say("alarm.gasRising", gas.Gas, Format(rise), unit));
        }

        Flatline(state, reading, TimeSpan.FromMinutes(gas.FlatlineMinutes ?? DefaultFlatlineMinutes), changes);
    }

    private static void Flood(FloodSensorSettings flood, AlarmRuleState state, Reading reading, List<AlarmTransition> changes)
    {
        // Deadband: 5% of the span from reference to danger, so a level hovering at a stage does not chatter.
        var deadband = 0.05 * (flood.DangerLevel - flood.ReferenceLevel);
        var v = reading.Value;
        Band(state, changes, AlarmCondition.FloodAlert, flood.AlertLevel, deadband, reading, () => Phrases.Say("alarm.floodAlert", Format(v), Format(flood.AlertLevel)));
        Band(state, changes, AlarmCondition.FloodDanger, flood.DangerLevel, deadband, reading, () => Phrases.Say("alarm.floodDanger", Format(v), Format(flood.DangerLevel)));
        if (flood.RateOfRisePerHour is { } rate)
        {
            var perHour = RisePerMinute(state, reading) * 60;
            Threshold(state, changes, AlarmCondition.FloodRateOfRise, rate, perHour, 0.05, TimeSpan.Zero, reading.Timestamp, () => Phrases.Say("alarm.floodRising", Format(perHour)));
        }
    }

    private static void StuckPhase(TrafficSignalSettings signal, AlarmRuleState state, Reading reading, List<AlarmTransition> changes)
    {
        var phase = (int)reading.Value;
        if (state.Phase != phase)
        {
            state.Phase = phase;
            state.PhaseSince = reading.Timestamp;
        }

        // A phase can rest in green for its maximum at most; two whole cycles without a change means the controller is stuck.
        var limit = TimeSpan.FromSeconds(2 * signal.CycleSeconds);
        var held = reading.Timestamp - state.PhaseSince;
        Set(state, changes, AlarmCondition.SignalStuckPhase, held > limit, reading, () => Phrases.Say("alarm.stuckPhase", phase.ToString(CultureInfo.InvariantCulture), held.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)));
    }

    private static void Flatline(AlarmRuleState state, Reading reading, TimeSpan window, List<AlarmTransition> changes)
    {
        if (state.SteadyValue != reading.Value)
        {
            state.SteadyValue = reading.Value;
            state.SteadySince = reading.Timestamp;
        }

        var steady = reading.Timestamp - state.SteadySince;
        Set(state, changes, AlarmCondition.SensorFlatline, steady >= window, reading, () => Phrases.Say("alarm.flatline", Format(reading.Value), steady.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)));
    }

    /// <summary>The rise over the rate window: newest value less the lowest in the window, per minute of the window.</summary>
    private static double RisePerMinute(AlarmRuleState state, Reading reading)
    {
        state.RecentTimes.Add(reading.Timestamp);
        state.RecentValues.Add(reading.Value);
        var drop = 0;
        while (drop < state.RecentTimes.Count - 1 && state.RecentTimes[drop] < reading.Timestamp - RateWindow)
        {
            drop++;
        }

        state.RecentTimes.RemoveRange(0, drop);
        state.RecentValues.RemoveRange(0, drop);
        var span = reading.Timestamp - state.RecentTimes[0];
        return span <= TimeSpan.Zero ? 0 : (reading.Value - state.RecentValues.Min()) / Math.Max(span.TotalMinutes, RateWindow.TotalMinutes / 5);
    }

    /// <summary>A set-point with a relative deadband below it and a delay before raising.</summary>
    private static void Threshold(AlarmRuleState state, List<AlarmTransition> changes, AlarmCondition condition, double? setPoint, double value, double deadband, TimeSpan delayOn, DateTimeOffset at, Func<Phrase> message)
    {
        if (setPoint is not { } limit)
        {
            return;
        }

        var active = state.Active.ContainsKey(condition);
        if (!active && value >= limit)
        {
            var since = state.Pending.TryGetValue(condition, out var pending) ? pending : at;
            state.Pending[condition] = since;
            if (at - since >= delayOn)
            {
                state.Pending.Remove(condition);
                Raise(state, changes, condition, at, value, message);
            }
        }
        else if (!active)
        {
            state.Pending.Remove(condition);
        }
        else if (value < limit * (1 - deadband))
        {
            Clear(state, changes, condition, at, value);
        }
    }

    /// <summary>An absolute level with an absolute deadband below it.</summary>
    private static void Band(AlarmRuleState state, List<AlarmTransition> changes, AlarmCondition condition, double level, double deadband, Reading reading, Func<Phrase> message)
    {
        var active = state.Active.ContainsKey(condition);
        if (!active && reading.Value >= level)
        {
            Raise(state, changes, condition, reading.Timestamp, reading.Value, message);
        }
        else if (active && reading.Value < level - deadband)
        {
            Clear(state, changes, condition, reading.Timestamp, reading.Value);
        }
    }

    private static void Set(AlarmRuleState state, List<AlarmTransition> changes, AlarmCondition condition, bool on, Reading reading, Func<Phrase> message) =>
        Set(state, changes, condition, on, reading.Timestamp, reading.Value, message);

    private static void Set(AlarmRuleState state, List<AlarmTransition> changes, AlarmCondition condition, bool on, DateTimeOffset at, double? value, Func<Phrase> message)
    {
        var active = state.Active.ContainsKey(condition);
        if (on && !active)
        {
            Raise(state, changes, condition, at, value, message);
        }
        else if (!on && active)
        {
            Clear(state, changes, condition, at, value);
        }
    }

    private static void Raise(AlarmRuleState state, List<AlarmTransition> changes, AlarmCondition condition, DateTimeOffset at, double? value, Func<Phrase> message)
    {
        var said = message();
        var text = Phrases.InEnglish(said);
        state.Active[condition] = new ActiveAlarm(condition, at, value, text, said);
        changes.Add(new AlarmTransition(condition, true, at, value, text, Text: said));
    }

    private static void Clear(AlarmRuleState state, List<AlarmTransition> changes, AlarmCondition condition, DateTimeOffset at, double? value)
    {
        state.Active.Remove(condition);
        var said = Phrases.Say("alarm.normal", Phrases.Word("condition", condition));
        changes.Add(new AlarmTransition(condition, false, at, value, Phrases.InEnglish(said), Text: said));
    }

    private static double Tolerance(GasSensorSettings gas) => 0.1 * (gas.Low ?? gas.High ?? 1);

    private static string Format(double? value) => Phrases.Number(value);

}
