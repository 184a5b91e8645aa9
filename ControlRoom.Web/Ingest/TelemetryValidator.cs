using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Rules.Devices;

namespace CityControl.Web.Ingest;

/// <summary>Checks each reading on its own: a bad reading is rejected with its reason and never blocks the good ones.</summary>
public static class TelemetryValidator
{
    public static (IReadOnlyList<DeviceReadings> Accepted, IReadOnlyList<ReadingRejection> Rejected) Validate(
        IReadOnlyList<IncomingReading> readings,
        IReadOnlyDictionary<string, DeviceSummary> devices,
        IngestPrincipal principal,
        DateTimeOffset now,
        IngestOptions limits)
    {
        var rejected = new List<ReadingRejection>();
        var accepted = new Dictionary<string, (DeviceSummary Device, ImmutableArray<Reading>.Builder Readings)>(StringComparer.Ordinal);
        for (var i = 0; i < readings.Count; i++)
        {
            var r = readings[i];
            var error = Check(r, devices, principal, now, limits);
            if (error is not null)
            {
                rejected.Add(new ReadingRejection(i, r.DeviceId, error.Field, error.Message));
                continue;
            }

            var device = devices[r.DeviceId!];
            if (!accepted.TryGetValue(device.Id, out var group))
            {
                group = (device, ImmutableArray.CreateBuilder<Reading>());
                accepted[device.Id] = group;
            }

            // The catalogue's own strings: a device keeps many readings, and each would otherwise hold copies of the same names.
            var metric = MetricCatalog.Find(device.Kind, r.Metric!)!;
            var unit = metric.Units.First(u => u == r.Unit);
            group.Readings.Add(new Reading(r.Timestamp!.Value.ToUniversalTime(), metric.Name, r.Value!.Value, unit));
        }

        return (accepted.Values.Select(g => new DeviceReadings(g.Device.Id, g.Device.Kind, g.Readings.ToImmutable())).ToList(), rejected);
    }

    private static RuleViolation? Check(
        IncomingReading r,
        IReadOnlyDictionary<string, DeviceSummary> devices,
        IngestPrincipal principal,
        DateTimeOffset now,
        IngestOptions limits)
    {
        if (r.ParseError is not null)
        {
            return r.ParseError;
        }

        if (string.IsNullOrWhiteSpace(r.DeviceId))
        {
            return new("deviceId", "is required");
        }

        if (!devices.TryGetValue(r.DeviceId, out var device))
        {
            return new("deviceId", $"unknown device '{r.DeviceId}'");
        }

        if (!principal.MaySendFor(device))
        {
            return new("deviceId", $"this credential may not send readings for device '{r.DeviceId}'");
        }

        if (device.Status == LifecycleStatus.Decommissioned)
        {
            return new("deviceId", $"device '{r.DeviceId}' is decommissioned");
        }

        if (r.Timestamp is not { } timestamp)
        {
            return new("timestamp", "is required (ISO 8601 with an offset, e.g. 2026-11-24T09:00:00Z)");
        }

        if (timestamp > now + limits.MaxClockSkew)
        {
            return new("timestamp", $"is more than {limits.MaxClockSkew.TotalMinutes:0} minutes in the future (server time {now:O})");
        }

        if (timestamp < now - limits.MaxReadingAge)
        {
            return new("timestamp", $"is more than {limits.MaxReadingAge.TotalDays:0} days old");
        }

        if (string.IsNullOrWhiteSpace(r.Metric))
        {
            return new("metric", "is required");
        }

        var metric = MetricCatalog.Find(device.Kind, r.Metric);
        if (metric is null)
        {
            var kind = DeviceRules.Camel(device.Kind);
            return new("metric", $"'{r.Metric}' is not a {kind} metric; expected one of {string.Join(", ", MetricCatalog.For(device.Kind).Select(m => m.Name))}");
        }

        if (r.Value is not { } value)
        {
            return new("value", "is required");
        }

        if (!double.IsFinite(value))
        {
            return new("value", "must be a finite number (NaN and Infinity are refused)");
        }

        if (metric.CheckValue?.Invoke(value) is { } valueError)
        {
            return new("value", $"{r.Metric} {valueError}");
        }

        if (string.IsNullOrWhiteSpace(r.Unit))
        {
            return new("unit", $"is required; {r.Metric} takes {string.Join(", ", metric.Units)}");
        }

        if (!metric.Units.Contains(r.Unit))
        {
            return new("unit", $"'{r.Unit}' is not a unit of {r.Metric}; expected one of {string.Join(", ", metric.Units)}");
        }

        return null;
    }
}
