using Orleans.Concurrency;
using System.Collections.Immutable;
using CityControl.Incidents;

namespace CityControl.Video;

/// <summary>Who runs a camera and answers for its pictures.</summary>
public enum CameraOwner
{
    City,
    Police,
    Fire,
    Traffic,
}

/// <summary>
/// The purposes a public CCTV camera may be installed and watched for (Korea's Personal Information Protection Act,
/// article 25(1)): a camera's pictures are used for its purposes only, and an access grant names one of them.
/// </summary>
public enum VideoPurpose
{
    CrimePrevention,
    FacilitySafety,
    FirePrevention,
    TrafficEnforcement,
    TrafficInformation,
    DisasterResponse,
}

/// <summary>What of a camera's video a person asks for.</summary>
public enum VideoUse
{
    LiveView,
    Evidence,
    StreamAddress,
}

/// <summary>
/// A time-boxed right of one agency's dispatchers to a camera's live view and evidence, for one stated purpose:
/// granted by an operator, or given automatically while an incident routed to the agency is open.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.video-grant.v1")]
public sealed record class VideoGrant(
    [property: Id(0)] string Id,
    [property: Id(1)] string CameraId,
    [property: Id(2)] Agency Agency,
    [property: Id(3)] VideoPurpose Purpose,
    [property: Id(4)] string Reason,
    [property: Id(5)] string GrantedBy,
    [property: Id(6)] DateTimeOffset From,
    [property: Id(7)] DateTimeOffset Until,
    [property: Id(8)] string? IncidentId = null,
    [property: Id(9)] DateTimeOffset? RevokedAt = null,
    [property: Id(10)] string? RevokedBy = null)
{
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && From <= now && now < Until;
}

/// <summary>A grant asked for: the agency, the purpose and why, and for how long.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.video-grant-request.v1")]
public sealed record class VideoGrantRequest(
    [property: Id(0)] Agency Agency,
    [property: Id(1)] VideoPurpose Purpose,
    [property: Id(2)] string Reason,
    [property: Id(3)] TimeSpan Duration,
    [property: Id(4)] string? IncidentId = null);

/// <summary>What an access decision needs of a camera: its owner, its purposes and its grants.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.camera-access.v1")]
public sealed record class CameraAccess(
    [property: Id(0)] string CameraId,
    [property: Id(1)] CameraOwner Owner,
    [property: Id(2)] ImmutableArray<VideoPurpose> Purposes,
    [property: Id(3)] ImmutableArray<VideoGrant> Grants);

/// <summary>A grant an incident gave, kept with the incident so that its end ends the grant.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.incident-video-grant.v1")]
public sealed record class IncidentVideoGrant(
    [property: Id(0)] string CameraId,
    [property: Id(1)] string GrantId,
    [property: Id(2)] Agency Agency,
    [property: Id(3)] VideoPurpose Purpose,
    [property: Id(4)] DateTimeOffset Until);

/// <summary>
/// Gives and ends the video grants of incidents, away from the incident grain: the incident asks one way and hears
/// back, so an incident never waits on a camera that may itself be waiting on the incident's alarm stream.
/// </summary>
public interface IIncidentVideoAccessGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Grants each routed agency (police, fire) cameras for the incident's purposes: <paramref name="cameras"/> when
    /// given (the cameras whose own alarms the incident links, whatever their distance), otherwise the ones nearest the
    /// incident. A camera already granted to the incident's agency is not granted twice.
    /// </summary>
    [OneWay]
    Task GrantFor(string incidentId, string title, CityControl.Devices.GeoPoint location, ImmutableArray<Agency> agencies, ImmutableArray<string> cameras);

    /// <summary>Ends the incident's grants.</summary>
    [OneWay]
    Task RevokeFor(string incidentId, ImmutableArray<IncidentVideoGrant> grants, string reason);
}
