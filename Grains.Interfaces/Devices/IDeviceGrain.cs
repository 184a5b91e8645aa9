using Orleans.Concurrency;
using System.Collections.Immutable;
using CityControl.Video;

namespace CityControl.Devices;

/// <summary>What every field device actor does. Keyed by the device id.</summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Creates the device; fails with <see cref="DeviceConflictException"/> if it already exists.</summary>
    Task<DeviceSnapshot> Onboard(DeviceDefinition definition, string credentialHash);

    /// <summary>The device as it is now, or null if it was never onboarded.</summary>
    Task<DeviceSnapshot?> GetSnapshot();

    Task<DeviceSnapshot> Update(DeviceUpdate update, string changedBy);

    /// <summary>Ends the device's service life; its history stays.</summary>
    Task<DeviceSnapshot> Decommission(string changedBy);

    Task ReplaceCredential(string credentialHash);

    Task<bool> VerifyCredential(string credentialHash);

    /// <summary>Applies readings the ingest path has already validated and made durable. Idempotent per (metric, timestamp).</summary>
    Task<ReadingBatchResult> ReportReadings(ReadingBatch batch);

    /// <summary>Recent readings, newest last.</summary>
    Task<ImmutableArray<Reading>> GetRecentReadings(string? metric, int max);

    /// <summary>Recent device events (health, lifecycle), newest last.</summary>
    Task<ImmutableArray<DeviceEvent>> GetRecentEvents(int max);

    /// <summary>Runs the heartbeat watchdog now; the grain's reminder calls this on its own schedule.</summary>
    Task<Connectivity> CheckHeartbeat();
}

/// <summary>A CCTV camera: a device whose video pipeline reports what it sees, configured by the analytics settings it holds.</summary>
public interface ICameraGrain : IDeviceGrain
{
    /// <summary>
    /// One conclusion of the camera's video pipeline: stream loss and recovery change the camera's health; intrusion,
    /// loitering, crowding, stopped vehicles and tampering raise an alarm (with the evidence); counts and presence are kept.
    /// </summary>
    Task ReportVideoEvent(VideoEvent videoEvent);

    /// <summary>The pipeline's heartbeat: the stream is up and frames are arriving.</summary>
    Task ReportStreamAlive(DateTimeOffset at);

    /// <summary>The camera's video analytics settings: zones, masks, rates (the defaults until an admin sets them).</summary>
    Task<CameraAnalyticsConfig> GetAnalytics();

    /// <summary>The stream a video worker is to run for this camera, or null when it has no stream address or is decommissioned.</summary>
    Task<CameraStream?> GetStream();

    /// <summary>Replaces the analytics settings; fails with <see cref="DeviceRuleException"/> naming the field and the rule.</summary>
    Task<CameraAnalyticsConfig> SetAnalytics(CameraAnalyticsConfig config, string changedBy);

    /// <summary>Recent video events, newest last.</summary>
    Task<ImmutableArray<VideoEvent>> GetRecentVideoEvents(int max);

    /// <summary>The camera's owner, purposes and current (and recently ended) access grants.</summary>
    [AlwaysInterleave]
    Task<CameraAccess> GetAccess();

    /// <summary>Grants an agency access to the camera's video; fails with <see cref="DeviceRuleException"/> naming the field and the rule.</summary>
    Task<VideoGrant> GrantVideo(VideoGrantRequest request, string grantedBy);

    /// <summary>Ends a grant at once; null when the camera has no such grant.</summary>
    Task<VideoGrant?> RevokeVideo(string grantId, string revokedBy);
}

public interface ITrafficSignalGrain : IDeviceGrain
{
    /// <summary>
    /// Puts the signal on a plan for an incident, or back to its own (Normal): the answer says whether it took it and,
    /// if not, why (out of service, offline, in fault, held by another incident). Taken plans go down to the controller.
    /// </summary>
    Task<CityControl.Incidents.SignalPlanAnswer> ApplyPlan(CityControl.Incidents.SignalPlanCommand command);

    /// <summary>
    /// An emergency vehicle's priority request (a new one, or an update of the same request id): granted, queued
    /// behind a conflicting request that goes first, or rejected (out of service, offline, in fault). When a later
    /// request or a clearing changes another request's status, that request's route is told.
    /// </summary>
    Task<CityControl.Traffic.PriorityAnswer> RequestPriority(CityControl.Traffic.PriorityRequest request);

    /// <summary>The vehicle passed, or its route ended: the request is cleared and the junction serves the next, or returns to its plan.</summary>
    Task<CityControl.Traffic.PriorityAnswer> ClearPriority(string requestId, string reason);
}

public interface IGasSensorGrain : IDeviceGrain;

public interface IFloodSensorGrain : IDeviceGrain;

public interface IWeatherStationGrain : IDeviceGrain;

/// <summary>An entrance barrier: commanded open or closed for an incident; it reports its position as its <c>position</c> metric.</summary>
public interface IBarrierGrain : IDeviceGrain
{
    /// <summary>
    /// Commands the barrier open or closed for an incident, or by hand with an empty incident id (the reason then
    /// names who; <paramref name="reasonSaid"/> is the same reason as a phrase, where it is one); refused with the
    /// reason when the device is offline, out of service or reports a fault.
    /// </summary>
    Task<DeviceCommandAnswer> Command(BarrierPosition target, string incidentId, string reason, Phrase? reasonSaid = null);
}

/// <summary>A siren, loudspeaker or message sign: commanded with a message, it reports back the message it plays.</summary>
public interface IWarningDeviceGrain : IDeviceGrain
{
    /// <summary>
    /// Sends a message for an incident (a new sequence number each time the text changes); refused with the reason when
    /// the device is out of service or offline. The device reports the sequence it plays as its <c>playing</c> metric.
    /// </summary>
    Task<WarningCommandAnswer> Broadcast(WarningCommand command);

    /// <summary>Stops the incident's message (a device playing another incident's message is left alone).</summary>
    Task<WarningCommandAnswer> Silence(string incidentId, DateTimeOffset at);
}

[GenerateSerializer, Immutable, Alias("citycontrol.warning-command.v1")]
public sealed record class WarningCommand(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string Message,
    [property: Id(2)] DateTimeOffset At);

/// <summary>What a warning device answered: taken (with the message's sequence) or refused with the reason.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.warning-command-answer.v1")]
public sealed record class WarningCommandAnswer(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] bool Accepted,
    [property: Id(2)] int Sequence,
    [property: Id(3)] string Detail,
    [property: Id(4)] DateTimeOffset At);

/// <summary>
/// A district's device events on their way to its durable event stream, keyed by district: events that come while a
/// write is under way go together in the next one (one queue message for many events).
/// </summary>
public interface IDeviceEventOutboxGrain : IGrainWithStringKey
{
    /// <summary>Completes when the event is in the stream's queue; fails if it could not be written.</summary>
    Task Publish(DeviceEvent evt);
}

/// <summary>One partition of the device directory: the index used for listing devices and routing readings.</summary>
public interface IDeviceDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The device's summary and, when given, its status as of its last recorded event: what a district's live feed
    /// starts its board from, so that a feed that activates reads the directory instead of activating every device.
    /// </summary>
    Task Upsert(DeviceSummary summary, DeviceStatus? status = null);

    /// <summary>The statuses of the district's devices that are not decommissioned (a device that never reported one is left out).</summary>
    Task<ImmutableArray<DeviceStatus>> Board(string district);

    Task<ImmutableArray<DeviceSummary>> Find(ImmutableArray<string> ids);

    Task<ImmutableArray<DeviceSummary>> Query(DeviceQuery query);
}

[GenerateSerializer, Alias("citycontrol.device-conflict-exception.v1")]
public sealed class DeviceConflictException : Exception
{
    public DeviceConflictException()
    {
    }

    public DeviceConflictException(string message)
        : base(message)
    {
    }

    public DeviceConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

[GenerateSerializer, Alias("citycontrol.device-not-found-exception.v1")]
public sealed class DeviceNotFoundException : Exception
{
    public DeviceNotFoundException()
    {
    }

    public DeviceNotFoundException(string message)
        : base(message)
    {
    }

    public DeviceNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A request that breaks a rule of the device, naming the field and the rule.</summary>
[GenerateSerializer, Alias("citycontrol.device-rule-exception.v1")]
public sealed class DeviceRuleException : Exception
{
    public DeviceRuleException()
    {
    }

    public DeviceRuleException(string message)
        : base(message)
    {
    }

    public DeviceRuleException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public DeviceRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    [Id(0)]
    public string? Field { get; init; }
}

public static class DeviceGrains
{
    /// <summary>The number of directory partitions; fixed for the life of a deployment.</summary>
    public const int DirectoryPartitions = 64;

    public static IDeviceGrain GetDevice(this IGrainFactory factory, DeviceKind kind, string id) => kind switch
    {
        DeviceKind.Camera => factory.GetGrain<ICameraGrain>(id),
        DeviceKind.TrafficSignal => factory.GetGrain<ITrafficSignalGrain>(id),
        DeviceKind.GasSensor => factory.GetGrain<IGasSensorGrain>(id),
        DeviceKind.FloodSensor => factory.GetGrain<IFloodSensorGrain>(id),
        DeviceKind.WeatherStation => factory.GetGrain<IWeatherStationGrain>(id),
        DeviceKind.WarningDevice => factory.GetGrain<IWarningDeviceGrain>(id),
        DeviceKind.Barrier => factory.GetGrain<IBarrierGrain>(id),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown device kind."),
    };

    public static IDeviceDirectoryGrain GetDirectoryFor(this IGrainFactory factory, string deviceId) =>
        factory.GetGrain<IDeviceDirectoryGrain>(DirectoryPartitionOf(deviceId));

    /// <summary>Every device the directory lists that matches the query, from all partitions, ordered by id.</summary>
    public static async Task<List<DeviceSummary>> QueryDevices(this IGrainFactory factory, DeviceQuery query)
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, DirectoryPartitions)
            .Select(p => factory.GetGrain<IDeviceDirectoryGrain>(p).Query(query)));
        return [.. parts.SelectMany(x => x).OrderBy(d => d.Id, StringComparer.Ordinal)];
    }

    /// <summary>The directory's summaries of the given devices (those it lists), from their partitions.</summary>
    public static async Task<List<DeviceSummary>> QueryDevicesById(this IGrainFactory factory, ImmutableArray<string> ids)
    {
        var parts = await Task.WhenAll(ids.GroupBy(DirectoryPartitionOf).Select(g => factory.GetGrain<IDeviceDirectoryGrain>(g.Key).Find([.. g])));
        return [.. parts.SelectMany(x => x)];
    }

    /// <summary>A district's board as the directory holds it: each device's status after its last recorded event.</summary>
    public static async Task<List<DeviceStatus>> QueryBoard(this IGrainFactory factory, string district)
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, DirectoryPartitions)
            .Select(p => factory.GetGrain<IDeviceDirectoryGrain>(p).Board(district)));
        return [.. parts.SelectMany(x => x)];
    }

    /// <summary>A stable partition for a device id (FNV-1a), the same on every host and every run.</summary>
    public static int DirectoryPartitionOf(string deviceId) => (int)(PartitionHash.Fnv1a(deviceId) % DirectoryPartitions);
}

/// <summary>A hash that every host and every run computes alike (unlike <see cref="string.GetHashCode()"/>), for partitioning keys.</summary>
public static class PartitionHash
{
    public static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
