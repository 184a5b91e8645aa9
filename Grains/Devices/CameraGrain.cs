using System.Collections.Immutable;
using System.Globalization;
using CityControl.Video;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules.Video;
using CityControl.Rules.Devices;
using CityControl.Rules;
using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Grains.Devices;

/// <summary>
/// A CCTV camera. Its video pipeline (outside the grain) reports conclusions, not frames: stream loss and recovery are
/// the camera's <c>streamUp</c> reading, so health, alarms and live state follow the same rules as any reading; an
/// analytics event is a momentary alarm (raised and returned at once, as a VMS analytic is) that carries its evidence
/// to the incident, and a repeat while the incident is open counts as another trigger of the same alarm.
/// </summary>
public sealed partial class CameraGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    IOptions<CameraSourceOptions> sources,
    ILogger<CameraGrain> logger) : DeviceGrain(state, clock, options, logger), ICameraGrain
{
    protected override IEnumerable<RuleViolation> Validate(DeviceDefinition definition)
    {
        var errors = base.Validate(definition).ToList();
        if (errors.All(e => e.Field != CameraSourcePolicy.Field) && CameraSourcePolicy.Check(definition.Camera?.StreamUrl, sources.Value) is { } refused)
        {
            errors.Add(refused);
        }

        return errors;
    }

    private readonly int _videoEventHistory = options.Value.EventHistoryLength;

    protected override DeviceKind Kind => DeviceKind.Camera;

    public async Task ReportVideoEvent(VideoEvent videoEvent)
    {
        if (S.Definition is null || S.Status == LifecycleStatus.Decommissioned)
        {
            return;
        }

        var at = videoEvent.At ?? Now;
        S.VideoEvents.Add(videoEvent with { At = at });
        if (S.VideoEvents.Count > _videoEventHistory)
        {
            S.VideoEvents.RemoveRange(0, S.VideoEvents.Count - _videoEventHistory);
        }

        if (videoEvent.Type is VideoEventType.StreamLost or VideoEventType.StreamRestored)
        {
            await ReportStream(videoEvent.Type == VideoEventType.StreamRestored, at);
            return;
        }

        if (ConditionOf(videoEvent.Type) is not { } condition)
        {
            // Counts and presence episodes are information: kept with the camera, checkpointed with its state. A count
            // through an entrance (a band with an inner side) also counts the vehicles in the car park of the camera's zone.
            if (videoEvent is { Type: VideoEventType.Count, Direction: { } direction } && S.Definition.Zone is { Length: > 0 } zone)
            {
                await GrainFactory.GetGrain<ICarParkGrain>(CarParks.KeyOf(S.Definition.District, zone)).Counted(Id, direction, at);
            }

            MarkDirty();
            return;
        }

        LogVideoAlarm(Id, videoEvent.Type, videoEvent.Zone);
        var said = Describe(videoEvent);
        var momentary = Phrases.Say("alarm.momentary", said);
        await RaiseAlarm(new AlarmTransition(condition, true, at, videoEvent.Confidence, Phrases.InEnglish(said), videoEvent.Evidence, said));
        await RaiseAlarm(new AlarmTransition(condition, false, at, videoEvent.Confidence, Phrases.InEnglish(momentary), Text: momentary));
        await Persist();
    }

    public Task ReportStreamAlive(DateTimeOffset at) => ReportStream(true, at);

    public Task<CameraStream?> GetStream() => Task.FromResult(Stream());

    /// <summary>
    /// A camera whose partition has not heard of its current stream (onboarded before partitions existed, or a change
    /// whose push failed) tells it now: cameras are woken at least by their watchdog reminder.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        if (S.Definition is not null && Stream()?.Version != S.VideoPartitionRevision)
        {
            await OnSettingsChanged();
            MarkDirty();
        }
    }

    /// <summary>The video partition learns of every change to the camera's stream, so the workers never poll for it.</summary>
    protected override async Task OnSettingsChanged()
    {
        var partition = GrainFactory.GetVideoPartitionFor(Id);
        if (Stream() is { } stream)
        {
            await partition.Upsert(stream);
            S.VideoPartitionRevision = stream.Version;
        }
        else if (S.VideoPartitionRevision is not null)
        {
            await partition.Remove(Id);
            S.VideoPartitionRevision = null;
        }
    }

    private CameraStream? Stream() =>
        S is { Definition.Camera.StreamUrl: { Length: > 0 } address } && S.Status != LifecycleStatus.Decommissioned
            ? new CameraStream(Id, address, S.Analytics ?? CameraAnalyticsConfig.Default, S.SettingsRevision)
            : null;

    public Task<CameraAnalyticsConfig> GetAnalytics()
    {
        RequireDefinition();
        return Task.FromResult(S.Analytics ?? CameraAnalyticsConfig.Default);
    }

    public async Task<CameraAnalyticsConfig> SetAnalytics(CameraAnalyticsConfig config, string changedBy)
    {
        RequireDefinition();
        if (S.Status == LifecycleStatus.Decommissioned)
        {
            throw new DeviceRuleException("status", "a decommissioned camera cannot be changed");
        }

        ThrowIfInvalid(AnalyticsRules.Validate(config));
        S.Analytics = config with
        {
            Zones = config.Zones.IsDefault ? [] : config.Zones,
            MotionMasks = config.MotionMasks.IsDefault ? [] : config.MotionMasks,
        };
        S.UpdatedAt = Now;
        S.SettingsRevision++;
        await Raise(DeviceEventType.ConfigurationChanged, Phrases.Say("camera.analyticsChanged",
            S.Analytics.Zones.Length.ToString(CultureInfo.InvariantCulture), S.Analytics.MotionMasks.Length.ToString(CultureInfo.InvariantCulture), changedBy));
        await OnSettingsChanged();
        await Persist();
        return S.Analytics;
    }

    /// <summary>How long an ended grant stays listed with the camera (the audit trail keeps it for good).</summary>
    public static readonly TimeSpan GrantHistory = TimeSpan.FromDays(30);

    /// <summary>An unknown camera has the default owner and purpose and no grants: nobody outside the centre sees it.</summary>
    public Task<CameraAccess> GetAccess() => Task.FromResult(Access());

    public async Task<VideoGrant> GrantVideo(VideoGrantRequest request, string grantedBy)
    {
        RequireDefinition();
        if (S.Status == LifecycleStatus.Decommissioned)
        {
            throw new DeviceRuleException("status", "a decommissioned camera cannot be granted");
        }

        ThrowIfInvalid(VideoAccessRules.Validate(Access(), request));
        var now = Now;
        if (request.IncidentId is { } incident
            && S.VideoGrants.FirstOrDefault(g => g.IncidentId == incident && g.Agency == request.Agency && g.IsActiveAt(now)) is { } given)
        {
            // An incident asks again for a camera it already holds (its nearest cameras and its own may be one).
            return given;
        }

        S.VideoGrants.RemoveAll(g => !g.IsActiveAt(now) && (g.RevokedAt ?? g.Until) < now - GrantHistory);
        var grant = new VideoGrant(Guid.NewGuid().ToString("N")[..12], Id, request.Agency, request.Purpose, request.Reason.Trim(), grantedBy,
            now, now + request.Duration, request.IncidentId);
        S.VideoGrants.Add(grant);
        await Raise(DeviceEventType.ConfigurationChanged, Phrases.Say("camera.accessGranted",
            Phrases.Word("agency", grant.Agency), Phrases.Word("purpose", grant.Purpose), Phrases.Time(grant.Until), grantedBy, grant.Reason));
        await Persist();
        return grant;
    }

    public async Task<VideoGrant?> RevokeVideo(string grantId, string revokedBy)
    {
        RequireDefinition();
        var index = S.VideoGrants.FindIndex(g => g.Id == grantId);
        if (index < 0)
        {
            return null;
        }

        var grant = S.VideoGrants[index];
        if (grant.RevokedAt is not null || grant.Until <= Now)
        {
            return grant;
        }

        S.VideoGrants[index] = grant = grant with { RevokedAt = Now, RevokedBy = revokedBy };
        await Raise(DeviceEventType.ConfigurationChanged, Phrases.Say("camera.accessRevoked", Phrases.Word("agency", grant.Agency), Phrases.Word("purpose", grant.Purpose), revokedBy));
        await Persist();
        return grant;
    }

    private CameraAccess Access()
    {
        var camera = S.Definition?.Camera ?? new CameraSettings(null, null, null, null);
        return new CameraAccess(Id, camera.OwnerOrDefault, camera.PurposesOrDefault, [.. S.VideoGrants]);
    }

    public Task<ImmutableArray<VideoEvent>> GetRecentVideoEvents(int max) =>
        Task.FromResult(S.VideoEvents.TakeLast(Math.Clamp(max, 1, _videoEventHistory)).ToImmutableArray());

    /// <summary>The alarm an analytics event raises; counts and presence raise none.</summary>
    private static AlarmCondition? ConditionOf(VideoEventType type) => type switch
    {
        VideoEventType.Intrusion => AlarmCondition.VideoIntrusion,
        VideoEventType.Loitering => AlarmCondition.VideoLoitering,
        VideoEventType.Crowding => AlarmCondition.VideoCrowding,
        VideoEventType.StoppedVehicle => AlarmCondition.VideoStoppedVehicle,
        VideoEventType.Tampering => AlarmCondition.CameraTampering,
        _ => null,
    };

    /// <summary>Stream health is the camera's <c>streamUp</c> reading, so the reading rules decide health, alarm and live state.</summary>
    private Task<ReadingBatchResult> ReportStream(bool up, DateTimeOffset at) =>
        ReportReadings(new ReadingBatch([new Reading(at, MetricCatalog.StreamUp, up ? 1 : 0, "bool")], at));

    /// <summary>What the operator reads: the kind of road user the analysis saw, where, and how sure the detector was.</summary>
    private static Phrase Describe(VideoEvent e)
    {
        var zone = e.Zone ?? "";
        var dwell = e.DwellSeconds?.ToString("0", CultureInfo.InvariantCulture) ?? "";
        return e.Type switch
        {
            VideoEventType.Intrusion => Phrases.Say("video.intrusion", Sure(e), Noun(e.ObjectClass), zone),
            VideoEventType.Loitering => Phrases.Say("video.loitering", Sure(e), Noun(e.ObjectClass), zone, dwell),
            VideoEventType.Crowding => Phrases.Say(e.ObjectClass == ObjectClass.Person ? "video.crowdingPeople" : "video.crowdingObjects", e.Count?.ToString(CultureInfo.InvariantCulture) ?? "", zone),
            VideoEventType.StoppedVehicle => Phrases.Say("video.stopped", Sure(e), Noun(e.ObjectClass is { } c && c.IsVehicle() ? c : ObjectClass.Vehicle), zone, dwell),
            _ => Phrases.Say("video.tampering", e.Detail ?? ""), // tampering: the only other type with an alarm (ConditionOf)
        };
    }

    /// <summary>The kind of road user, as the pages' labels name it in a sentence (<c>noun.person</c>), in English as an operator says it.</summary>
    private static PhraseArg Noun(ObjectClass? c) => c switch
    {
        ObjectClass.Person => Phrases.Word("noun.person", "person"),
        ObjectClass.Bicycle => Phrases.Word("noun.cyclist", "cyclist"),
        ObjectClass.Motorcycle => Phrases.Word("noun.motorcycle", "motorcycle"),
        ObjectClass.Car => Phrases.Word("noun.car", "car"),
        ObjectClass.Bus => Phrases.Word("noun.bus", "bus"),
        ObjectClass.Truck => Phrases.Word("noun.truck", "truck"),
        ObjectClass.Vehicle => Phrases.Word("noun.vehicle", "vehicle"),
        _ => Phrases.Word("noun.object", "object"),
    };

    /// <summary>The detector's confidence, when a trained detector classed the object (motion-only events have none to give).</summary>
    private static Phrase? Sure(VideoEvent e) =>
        e.Detector is not null ? Phrases.Say("video.confidence", e.Confidence.ToString("0.00", CultureInfo.InvariantCulture)) : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {DeviceId} video alarm {Type} in zone {Zone}")]
    private partial void LogVideoAlarm(string deviceId, VideoEventType type, string? zone);
}
