using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json.Nodes;
using CityControl.Devices;
using CityControl.Rules;
using CityControl.Rules.Video;
using CityControl.Security;
using CityControl.Storage.Audit;
using CityControl.Video;
using CityControl.Web.Api;
using CityControl.Web.Security;

namespace CityControl.Web.Video;

/// <summary>The audit trail cannot be written: video is not shown without a record of who saw it.</summary>
public sealed class VideoAuditUnavailableException(Exception inner)
    : Exception("The video audit trail cannot be written now; no video is shown without it.", inner);

/// <summary>
/// Decides, and records in the audit trail, every look at a camera's video: a live view, a piece of evidence, a
/// stream address; and every grant given or ended. A live view is one record per person and camera while they keep
/// watching (frames fetched less than <see cref="ViewGap"/> apart); every piece of evidence and every refusal is
/// recorded too, a refusal at most once per <see cref="ViewGap"/>.
/// </summary>
public sealed class VideoAccess(IGrainFactory grains, IAuditTrail audit, CityClock clock)
{
    /// <summary>Frames fetched closer together than this are one viewing.</summary>
    public static readonly TimeSpan ViewGap = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _recent = new(StringComparer.Ordinal);

    public static VideoViewer ViewerOf(ClaimsPrincipal user) => new(
        AuditIdentity.NameOf(user), user.IsInRole(Roles.Admin), user.IsInRole(Roles.Operator), IncidentEndpoints.AgencyOf(user));

    /// <summary>The decision alone, not recorded: for what a response leaves out (evidence addresses a viewer may not have).</summary>
    public async Task<VideoAccessDecision> PeekAsync(ClaimsPrincipal user, string cameraId, VideoUse use) =>
        VideoAccessRules.Decide(ViewerOf(user), await grains.GetGrain<ICameraGrain>(cameraId).GetAccess(), use, clock.UtcNow);

    /// <summary>Decides a look at <paramref name="item"/> of a camera and records it before the caller shows anything.</summary>
    public async Task<VideoAccessDecision> CheckAsync(ClaimsPrincipal user, string cameraId, VideoUse use, string item, CancellationToken cancellationToken)
    {
        var viewer = ViewerOf(user);
        var decision = await PeekAsync(user, cameraId, use);
        var now = clock.UtcNow;
        var key = $"{viewer.User}\n{cameraId}\n{use}\n{item}\n{decision.Allowed}\n{decision.GrantId}";
        var continuing = (use == VideoUse.LiveView || !decision.Allowed) && _recent.TryGetValue(key, out var last) && now - last < ViewGap;
        if (!continuing)
        {
            await RecordAsync(new JsonObject
            {
                ["kind"] = decision.Allowed ? "view" : "refused",
                ["user"] = viewer.User,
                ["roles"] = new JsonArray([.. user.FindAll(ClaimTypes.Role).Select(c => JsonValue.Create(c.Value))]),
                ["camera"] = cameraId,
                ["use"] = use.ToString(),
                ["item"] = item,
                ["basis"] = decision.Basis,
                ["purpose"] = decision.Purpose?.ToString(),
                ["grant"] = decision.GrantId,
                ["refusal"] = decision.Refusal,
            }, cancellationToken);
        }

        _recent[key] = now;
        if (_recent.Count > 50_000)
        {
            foreach (var (k, at) in _recent.Where(e => now - e.Value >= ViewGap).ToList())
            {
                _recent.TryRemove(new KeyValuePair<string, DateTimeOffset>(k, at));
            }
        }

        return decision;
    }

    /// <summary>Null when the look is allowed and recorded; otherwise the 403 naming the rule, or 503 when it cannot be recorded.</summary>
    public async Task<IResult?> GuardAsync(ClaimsPrincipal user, string cameraId, VideoUse use, string item, CancellationToken cancellationToken)
    {
        try
        {
            var decision = await CheckAsync(user, cameraId, use, item, cancellationToken);
            return decision.Allowed ? null : Refused(decision);
        }
        catch (VideoAuditUnavailableException ex)
        {
            return Results.Problem(title: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>Records a grant given or ended.</summary>
    public Task RecordGrantAsync(string kind, VideoGrant grant, string by, CancellationToken cancellationToken) =>
        RecordAsync(new JsonObject
        {
            ["kind"] = kind,
            ["user"] = by,
            ["camera"] = grant.CameraId,
            ["grant"] = grant.Id,
            ["agency"] = grant.Agency.ToString(),
            ["purpose"] = grant.Purpose.ToString(),
            ["reason"] = grant.Reason,
            ["until"] = grant.Until,
            ["incident"] = grant.IncidentId,
        }, cancellationToken);

    private async Task RecordAsync(JsonObject record, CancellationToken cancellationToken)
    {
        try
        {
            await audit.AppendAsync(record, cancellationToken);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or IOException or HttpRequestException or TimeoutException)
        {
            throw new VideoAuditUnavailableException(ex);
        }
    }

    /// <summary>The 403 for a refused look, naming the rule.</summary>
    public static IResult Refused(VideoAccessDecision decision) =>
        Results.Problem(title: decision.Refusal, statusCode: StatusCodes.Status403Forbidden);
}
