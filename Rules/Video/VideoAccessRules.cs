using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Devices;
using CityControl.Rules.Geo;
using CityControl.Video;

namespace CityControl.Rules.Video;

/// <summary>Who asks for a camera's video: the user, and what the roles make them.</summary>
public sealed record VideoViewer(string User, bool IsAdmin, bool IsOperator, Agency? Agency);

/// <summary>
/// Whether a viewer may have a use of a camera's video, and on what basis: the purpose it serves and the grant behind
/// it, both recorded in the audit trail with the view.
/// </summary>
public sealed record VideoAccessDecision(bool Allowed, string Basis, VideoPurpose? Purpose, string? GrantId, string? Refusal);

/// <summary>
/// Purpose-limited video (Korea's Personal Information Protection Act, article 25): the control centre's operators
/// watch every camera for the purposes it is installed for; an agency watches its own cameras; police and fire
/// dispatchers see anyone else's live view and evidence only through a time-boxed grant naming one of the camera's
/// purposes; a camera's stream address is for admins only.
/// </summary>
public static class VideoAccessRules
{
    public static readonly TimeSpan ShortestGrant = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan LongestGrant = TimeSpan.FromHours(24);
    public const int MaxReasonLength = 500;

    /// <summary>The agencies whose dispatchers need grants (and may receive them).</summary>
    public static readonly ImmutableArray<Agency> GrantedAgencies = [Agency.Police, Agency.Fire];

    public static VideoAccessDecision Decide(VideoViewer viewer, CameraAccess camera, VideoUse use, DateTimeOffset now)
    {
        if (use == VideoUse.StreamAddress)
        {
            return viewer.IsAdmin
                ? new(true, "admin", null, null, null)
                : Refused("only admins see a camera's stream address");
        }

        if (viewer.IsAdmin)
        {
            return new(true, "admin", null, null, null);
        }

        if (viewer.IsOperator)
        {
            return new(true, "control-centre operator", camera.Purposes.FirstOrDefault(), null, null);
        }

        if (viewer.Agency is not { } agency)
        {
            return Refused("only control-room staff see camera video");
        }

        if (AgencyOf(camera.Owner) == agency)
        {
            return new(true, $"{agency} owns the camera", camera.Purposes.FirstOrDefault(), null, null);
        }

        var grant = camera.Grants
            .Where(g => g.Agency == agency && g.IsActiveAt(now))
            .OrderByDescending(g => g.Until)
            .FirstOrDefault();
        return grant is not null
            ? new(true, grant.IncidentId is { } incident ? $"grant for incident {incident}" : $"grant by {grant.GrantedBy}", grant.Purpose, grant.Id, null)
            : Refused($"a {agency} dispatcher sees camera {camera.CameraId} ({camera.Owner}'s) only through an access grant for a stated purpose; ask the control centre for one");
    }

    /// <summary>What is wrong with a grant asked for on this camera, each with the field it concerns.</summary>
    public static IReadOnlyList<RuleViolation> Validate(CameraAccess camera, VideoGrantRequest request)
    {
        var errors = new List<RuleViolation>();
        if (!GrantedAgencies.Contains(request.Agency))
        {
            errors.Add(new("agency", $"must be one of {string.Join(", ", GrantedAgencies)} (the agencies whose dispatchers need grants)"));
        }
        else if (AgencyOf(camera.Owner) == request.Agency)
        {
            errors.Add(new("agency", $"{request.Agency} owns camera {camera.CameraId} and needs no grant"));
        }

        if (!Enum.IsDefined(request.Purpose) || !camera.Purposes.Contains(request.Purpose))
        {
            errors.Add(new("purpose", $"camera {camera.CameraId} is watched for {string.Join(", ", camera.Purposes)} only; a grant must name one of them"));
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            errors.Add(new("reason", "is required: say why the agency needs the pictures"));
        }
        else if (request.Reason.Length > MaxReasonLength || request.Reason.Any(c => char.IsControl(c) && c is not ('\n' or '\t')))
        {
            errors.Add(new("reason", $"must be at most {MaxReasonLength} characters of text"));
        }

        if (request.Duration < ShortestGrant || request.Duration > LongestGrant)
        {
            errors.Add(new("minutes", $"must be from {ShortestGrant.TotalMinutes} to {LongestGrant.TotalMinutes}"));
        }

        return errors;
    }

    /// <summary>
    /// The purpose an incident routed to <paramref name="agency"/> gives for watching a camera: the first of the
    /// agency's own purposes that the camera is watched for; none when the camera serves none of them.
    /// </summary>
    public static VideoPurpose? PurposeForIncident(Agency agency, ImmutableArray<VideoPurpose> cameraPurposes)
    {
        VideoPurpose[] wanted = agency switch
        {
            Agency.Police => [VideoPurpose.CrimePrevention, VideoPurpose.FacilitySafety, VideoPurpose.TrafficEnforcement],
            Agency.Fire => [VideoPurpose.FirePrevention, VideoPurpose.DisasterResponse, VideoPurpose.FacilitySafety],
            _ => [],
        };
        return wanted.Cast<VideoPurpose?>().FirstOrDefault(p => cameraPurposes.Contains(p!.Value));
    }

    /// <summary>The cameras in service nearest a point, nearest first, at most <paramref name="count"/> and within <paramref name="maxMeters"/>.</summary>
    public static IReadOnlyList<(DeviceSummary Camera, double Meters)> Nearest(IEnumerable<DeviceSummary> cameras, GeoPoint at, int count, double maxMeters = double.PositiveInfinity) =>
        [.. cameras
            .Where(c => c.Kind == DeviceKind.Camera && c.Status != LifecycleStatus.Decommissioned)
            .Select(c => (Camera: c, Meters: GeoDistance.Meters(at, c.Location)))
            .Where(c => c.Meters <= maxMeters)
            .OrderBy(c => c.Meters).ThenBy(c => c.Camera.Id, StringComparer.Ordinal)
            .Take(count)];

    /// <summary>
    /// An incident's cameras for its page: those that are its own (the camera that raised it, those a response
    /// attached), nearest first, then the <paramref name="count"/> nearest others.
    /// </summary>
    public static IReadOnlyList<(DeviceSummary Camera, double Meters)> ForIncident(IEnumerable<DeviceSummary> cameras, GeoPoint at, int count, IReadOnlySet<string> own)
    {
        var ranked = Nearest(cameras, at, int.MaxValue);
        return [.. ranked.Where(c => own.Contains(c.Camera.Id)).Concat(ranked.Where(c => !own.Contains(c.Camera.Id)).Take(count))];
    }

    /// <summary>The agency that owns a camera, if it is one whose dispatchers use this platform.</summary>
    public static Agency? AgencyOf(CameraOwner owner) => owner switch
    {
        CameraOwner.Police => Agency.Police,
        CameraOwner.Fire => Agency.Fire,
        _ => null,
    };

    private static VideoAccessDecision Refused(string why) => new(false, "refused", null, null, why);
}
