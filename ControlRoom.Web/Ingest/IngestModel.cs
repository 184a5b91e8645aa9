using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Rules.Devices;

namespace CityControl.Web.Ingest;

/// <summary>A reading as it arrived, before validation; fields the adapter could not parse are null and the reason is in <see cref="ParseError"/>.</summary>
public sealed record IncomingReading(string? DeviceId, DateTimeOffset? Timestamp, string? Metric, double? Value, string? Unit, RuleViolation? ParseError = null);

/// <summary>Who is sending: one device (only its own readings), a gateway (its districts' devices) or the platform itself.</summary>
public sealed record IngestPrincipal(string? DeviceId, ImmutableArray<string> GatewayDistricts, bool IsPlatform = false)
{
    public static IngestPrincipal Platform { get; } = new(null, [], IsPlatform: true);

    public static IngestPrincipal ForDevice(string deviceId) => new(deviceId, []);

    public static IngestPrincipal ForGateway(ImmutableArray<string> districts) => new(null, districts);

    public bool MaySendFor(DeviceSummary device) =>
        IsPlatform
        || (DeviceId is not null && DeviceId == device.Id)
        || GatewayDistricts.Contains(device.District, StringComparer.OrdinalIgnoreCase);
}

public sealed record ReadingRejection(int Index, string? DeviceId, string Field, string Reason);

public sealed record IngestResult(int Accepted, int Rejected, IReadOnlyList<ReadingRejection> Rejections);

/// <summary>One device's share of an accepted batch, as journaled and delivered.</summary>
public sealed record DeviceReadings(string DeviceId, DeviceKind Kind, ImmutableArray<Reading> Readings);

/// <summary>One accepted batch, as the journal keeps it.</summary>
public sealed record JournalEntry(DateTimeOffset ReceivedAt, IReadOnlyList<DeviceReadings> Devices);
