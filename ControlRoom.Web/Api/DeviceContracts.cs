using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Ingest;
using CityControl.Rules.Devices;

namespace CityControl.Web.Api;

/// <summary>A device as an admin describes it over HTTP (JSON) or in an import row.</summary>
public sealed record DeviceRequest(
    string? Id,
    string? Kind,
    string? Name,
    GeoPoint? Location,
    string? District,
    string? Zone,
    double? HeartbeatSeconds,
    CameraSettings? Camera = null,
    TrafficSignalSettings? TrafficSignal = null,
    GasSensorSettings? GasSensor = null,
    FloodSensorSettings? FloodSensor = null,
    WarningDeviceSettings? WarningDevice = null);

/// <summary>A barrier opened or closed by hand from the console: where to, and why (kept with who on the device).</summary>
public sealed record BarrierRequest(string? Target, string? Reason = null)
{
    public const int MaxReasonLength = 200;
}

/// <summary>A partial change; absent fields stay as they are.</summary>
public sealed record DevicePatchRequest(
    string? Name = null,
    GeoPoint? Location = null,
    string? District = null,
    string? Zone = null,
    double? HeartbeatSeconds = null,
    string? Status = null,
    CameraSettings? Camera = null,
    TrafficSignalSettings? TrafficSignal = null,
    GasSensorSettings? GasSensor = null,
    FloodSensorSettings? FloodSensor = null,
    WarningDeviceSettings? WarningDevice = null);

public sealed record ReadingResponse(DateTimeOffset Timestamp, string Metric, double Value, string Unit);

public sealed record DeviceResponse(
    string Id,
    DeviceKind Kind,
    string Name,
    GeoPoint Location,
    string District,
    string Zone,
    double HeartbeatSeconds,
    LifecycleStatus Status,
    Connectivity Connectivity,
    DateTimeOffset? LastSeen,
    IReadOnlyDictionary<string, ReadingResponse> LatestReadings,
    LiveState Live,
    CameraSettings? Camera,
    TrafficSignalSettings? TrafficSignal,
    GasSensorSettings? GasSensor,
    FloodSensorSettings? FloodSensor,
    WarningDeviceSettings? WarningDevice,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CredentialIssuedAt,
    IReadOnlyList<ActiveAlarm> ActiveAlarms)
{
    public static DeviceResponse From(DeviceSnapshot s)
    {
        var d = s.Definition;
        return new(
            d.Id, d.Kind, d.Name, d.Location, d.District, d.Zone, d.HeartbeatInterval.TotalSeconds,
            s.Status, s.Connectivity, s.LastSeen,
            s.LatestReadings.ToDictionary(kv => kv.Key, kv => ReadingOf(kv.Value), StringComparer.Ordinal),
            s.Live, d.Camera, d.TrafficSignal, d.GasSensor, d.FloodSensor, d.WarningDevice,
            s.CreatedAt, s.UpdatedAt, s.CredentialIssuedAt, s.ActiveAlarms ?? []);
    }

    public static ReadingResponse ReadingOf(Reading r) => new(r.Timestamp, r.Metric, r.Value, r.Unit);
}

/// <summary>An ingest credential, shown once: configure the device or gateway with it.</summary>
public sealed record CredentialResponse(string Username, string Secret);

public sealed record OnboardResponse(DeviceResponse Device, CredentialResponse Credential);

public sealed record DeviceListResponse(IReadOnlyList<DeviceSummary> Items, string? Next);

public sealed record GatewayRequest(string? Id, string? Name, ImmutableArray<string>? Districts);

public sealed record GatewayResponse(GatewayInfo Gateway, CredentialResponse Credential);

public static class DeviceRequestMapper
{
    public static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(60);

    /// <summary>Turns a request into a definition, collecting every broken rule with the field it concerns.</summary>
    public static (DeviceDefinition? Definition, IReadOnlyList<RuleViolation> Errors) ToDefinition(DeviceRequest r)
    {
        var errors = new List<RuleViolation>();
        if (!TryParseKind(r.Kind, out var kind))
        {
            errors.Add(new("kind", r.Kind is null ? "is required" : $"'{r.Kind}' is not a device kind; expected camera, trafficSignal, gasSensor, floodSensor, weatherStation, warningDevice or barrier"));
            return (null, errors);
        }

        var heartbeat = HeartbeatOf(r.HeartbeatSeconds, errors);
        var definition = new DeviceDefinition(
            r.Id ?? "", kind, r.Name ?? "", r.Location!, r.District ?? "", r.Zone ?? "", heartbeat,
            r.Camera ?? (kind == DeviceKind.Camera ? new CameraSettings(null, null, null, null) : null),
            r.TrafficSignal ?? (kind == DeviceKind.TrafficSignal ? new TrafficSignalSettings(120, [], null) : null),
            r.GasSensor,
            r.FloodSensor,
            r.WarningDevice);
        errors.AddRange(DeviceRules.Validate(definition));
        return (errors.Count == 0 ? definition : null, errors);
    }

    public static (DeviceUpdate? Update, IReadOnlyList<RuleViolation> Errors) ToUpdate(DevicePatchRequest r)
    {
        var errors = new List<RuleViolation>();
        LifecycleStatus? status = null;
        if (r.Status is not null)
        {
            if (Enum.TryParse<LifecycleStatus>(r.Status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                status = parsed;
            }
            else
            {
                errors.Add(new("status", $"'{r.Status}' is not a lifecycle status; expected provisioned, active, maintenance or decommissioned"));
            }
        }

        TimeSpan? heartbeat = r.HeartbeatSeconds is null ? null : HeartbeatOf(r.HeartbeatSeconds, errors);
        var update = new DeviceUpdate(r.Name, r.Location, r.District, r.Zone, heartbeat, status, r.Camera, r.TrafficSignal, r.GasSensor, r.FloodSensor, r.WarningDevice);
        return (errors.Count == 0 ? update : null, errors);
    }

    public static bool TryParseKind(string? value, out DeviceKind kind)
    {
        kind = default;
        return value is not null
            && Enum.TryParse(value.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out kind)
            && Enum.IsDefined(kind);
    }

    private static TimeSpan HeartbeatOf(double? seconds, List<RuleViolation> errors)
    {
        if (seconds is null)
        {
            return DefaultHeartbeat;
        }

        if (!double.IsFinite(seconds.Value) || seconds.Value > DeviceRules.MaxHeartbeat.TotalSeconds || seconds.Value < 0)
        {
            errors.Add(new("heartbeatSeconds", $"must be between {DeviceRules.MinHeartbeat.TotalSeconds} and {DeviceRules.MaxHeartbeat.TotalSeconds} seconds"));
            return DefaultHeartbeat;
        }

        return TimeSpan.FromSeconds(seconds.Value);
    }
}
