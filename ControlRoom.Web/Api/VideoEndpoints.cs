using System.Globalization;
using System.Security.Claims;
using CityControl.Devices;
using CityControl.Video;
using CityControl.Web.Security;
using CityControl.Web.Video;
using CityControl.Storage.Audit;
using CityControl.Rules.Devices;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Api;

/// <summary>
/// Cameras' video analytics over HTTP: the settings admins edit (zones, masks, rates), recent video events, the live
/// view (the newest annotated frame as JPEG, relayed from the video worker that runs the camera) and the state of the
/// pipelines on every worker.
/// </summary>
public static class VideoEndpoints
{
    public static IEndpointRouteBuilder MapVideoEndpoints(this IEndpointRouteBuilder app)
    {
        var cameras = app.MapGroup("/api/cameras").WithTags("Video").RequireValidId();
        cameras.MapGet("/{id}/analytics", GetAnalytics).RequireAuthorization(Policies.Staff)
            .Produces<CameraAnalyticsConfig>()
            .WithSummary("The camera's analytics settings: zones and motion masks in image pixels, analysis rate and detection width.");
        cameras.MapPut("/{id}/analytics", PutAnalytics).RequireAuthorization(Policies.Admin)
            .Accepts<CameraAnalyticsConfig>("application/json")
            .Produces<CameraAnalyticsConfig>()
            .WithSummary("Replaces the camera's analytics settings; its pipeline restarts with them within the refresh interval. 400 names the field and the rule.");
        cameras.MapGet("/{id}/video-events", Events).RequireAuthorization(Policies.Staff).RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<IReadOnlyList<VideoEvent>>()
            .WithSummary("The camera's recent video events (intrusions, counts, stream loss...), newest last; evidence addresses only for those who may see the camera's evidence.");
        cameras.MapGet("/{id}/live.jpg", Live).RequireAuthorization(Policies.Staff)
            .Produces<byte[]>(StatusCodes.Status200OK, "image/jpeg")
            .WithSummary("The newest annotated frame of the camera's pipeline, from the video worker that runs it (refresh to follow it). Recorded in the video audit trail; 403 without access (police and fire need a grant for others' cameras); 404 when no worker runs it or it has no frame yet.");
        cameras.MapGet("/{id}/grants", Grants).RequireAuthorization(Policies.Staff)
            .Produces<CameraAccessResponse>()
            .WithSummary("The camera's owner, purposes and access grants (active and ended in the last 30 days); dispatchers see their agency's grants only.");
        cameras.MapPost("/{id}/grants", Grant).RequireAuthorization(Policies.GrantVideo)
            .Accepts<GrantRequest>("application/json")
            .Produces<VideoGrant>(StatusCodes.Status201Created)
            .WithSummary("Grants police or fire dispatchers the camera's live view and evidence for one of its purposes, for 1 to 1440 minutes, with a reason. Recorded in the video audit trail.");
        cameras.MapDelete("/{id}/grants/{grantId}", Revoke).RequireAuthorization(Policies.GrantVideo)
            .Produces<VideoGrant>()
            .WithSummary("Ends a grant at once. Recorded in the video audit trail.");
        app.MapGet("/api/video/pipelines", Pipelines)
            .RequireAuthorization(Policies.Staff).WithTags("Video").RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<IReadOnlyList<PipelineStatus>>()
            .WithSummary("The camera pipelines every live video worker runs: the worker, stream up or not, frames read, analysed and dropped, reconnects.");
        app.MapGet("/api/video/assignments", Assignments)
            .RequireAuthorization(Policies.Staff).WithTags("Video").RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<IReadOnlyList<CameraAssignment>>()
            .WithSummary("Every camera with a stream: the video worker that runs it, whether it is being tried in a probe process (its last worker died running it), and until when it is quarantined and why (its source crashed the probe).");
        app.MapGet("/api/video/audit", Audit)
            .RequireAuthorization(Policies.Admin).WithTags("Video").RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<AuditResponse>()
            .WithSummary("The video audit trail: every live view, evidence download, refusal and grant, newest first, by day range (at most 31 days), camera and user; names any audit file whose hash chain is broken.");
        return app;
    }

    /// <summary>What an admin or operator sends to grant a camera's video.</summary>
    public sealed record GrantRequest(string? Agency, string? Purpose, string? Reason, double? Minutes, string? IncidentId);

    public sealed record CameraAccessResponse(string CameraId, CameraOwner Owner, IReadOnlyList<VideoPurpose> Purposes, IReadOnlyList<VideoGrant> Grants);

    public sealed record AuditResponse(IReadOnlyList<System.Text.Json.Nodes.JsonObject> Records, IReadOnlyList<string> BrokenFiles, bool Truncated);

    private static async Task<IResult> Grants(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (await RequireCamera(grains, id) is { } missing)
        {
            return missing;
        }

        var access = await grains.GetGrain<ICameraGrain>(id).GetAccess();
        var own = IncidentEndpoints.AgencyOf(user);
        return Results.Ok(new CameraAccessResponse(id, access.Owner, access.Purposes,
            [.. access.Grants.Where(g => own is null || g.Agency == own).OrderByDescending(g => g.From)]));
    }

    private static async Task<IResult> Grant(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, VideoAccess access, IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (await RequireCamera(grains, id) is { } missing)
        {
            return missing;
        }

        var (body, error) = await Problems.ReadJsonAsync<GrantRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        var errors = new List<RuleViolation>();
        var agency = IncidentEndpoints.ParseEnum<CityControl.Incidents.Agency>(body!.Agency, "agency", errors);
        var purpose = IncidentEndpoints.ParseEnum<VideoPurpose>(body.Purpose, "purpose", errors);
        if (body.Agency is null)
        {
            errors.Add(new("agency", "is required"));
        }

        if (body.Purpose is null)
        {
            errors.Add(new("purpose", "is required"));
        }

        if (body.Minutes is not { } minutes || !double.IsFinite(minutes))
        {
            errors.Add(new("minutes", "is required: how long the grant lasts, 1 to 1440"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var by = AuditIdentity.NameOf(user);
            var camera = grains.GetGrain<ICameraGrain>(id);
            var grant = await camera.GrantVideo(
                new VideoGrantRequest(agency!.Value, purpose!.Value, body.Reason ?? "", TimeSpan.FromMinutes(Math.Clamp(body.Minutes!.Value, 0, 100_000)), body.IncidentId), by);
            try
            {
                await access.RecordGrantAsync("grant", grant, by, ct);
            }
            catch (VideoAuditUnavailableException ex)
            {
                // No grant without its record: taken back at once (the camera's events keep both steps).
                await camera.RevokeVideo(grant.Id, "system: the audit trail could not record the grant");
                return Results.Problem(title: $"Not granted: {ex.Message}", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            return Results.Created($"/api/cameras/{Uri.EscapeDataString(id)}/grants/{grant.Id}", grant);
        }
        catch (DeviceRuleException ex)
        {
            return Problems.From(ex);
        }
    }

    private static async Task<IResult> Revoke(string id, string grantId, ClaimsPrincipal user, IGrainFactory grains, VideoAccess access, CancellationToken ct)
    {
        if (await RequireCamera(grains, id) is { } missing)
        {
            return missing;
        }

        var by = AuditIdentity.NameOf(user);
        if (await grains.GetGrain<ICameraGrain>(id).RevokeVideo(grantId, by) is not { } grant)
        {
            return Problems.Field("grantId", $"camera '{id}' has no grant '{grantId}'", StatusCodes.Status404NotFound);
        }

        try
        {
            await access.RecordGrantAsync("revoke", grant, by, ct);
        }
        catch (VideoAuditUnavailableException)
        {
            // The grant is ended (the safe side) and the camera's events say so; asked again, the end is recorded then.
            return Results.Problem(title: "The grant is ended, but the video audit trail cannot record that now; ask again to record it.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Ok(grant);
    }

    private static async Task<IResult> Audit(IAuditTrail trail, CityControl.Rules.CityClock clock, DateOnly? from, DateOnly? to, string? camera, string? user, int? limit, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.UtcNow.UtcDateTime);
        var last = to ?? today;
        var first = from ?? last;
        var errors = new List<RuleViolation>();
        if (first > last)
        {
            errors.Add(new("from", "must not be after to"));
        }
        else if (last.DayNumber - first.DayNumber > 30)
        {
            errors.Add(new("from", "the range may span at most 31 days"));
        }

        var max = limit ?? 500;
        if (max is < 1 or > 5000)
        {
            errors.Add(new("limit", "must be from 1 to 5000"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var read = await trail.ReadAsync(first, last, ct);
        // Newest first; records of the same instant in the order they were written, last first.
        var matching = read.Records
            .Select((record, order) => (Record: record, Order: order))
            .Where(r => camera is null || r.Record["camera"]?.GetValue<string>() == camera)
            .Where(r => user is null || string.Equals(r.Record["user"]?.GetValue<string>(), user, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(r => DateTimeOffset.TryParse(r.Record["at"]?.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at) ? at : DateTimeOffset.MinValue)
            .ThenByDescending(r => r.Order)
            .Select(r => r.Record)
            .ToList();
        return Results.Ok(new AuditResponse([.. matching.Take(max)], read.BrokenFiles, matching.Count > max));
    }

    private static async Task<IResult> GetAnalytics(string id, IGrainFactory grains)
    {
        if (await RequireCamera(grains, id) is { } missing)
        {
            return missing;
        }

        return Results.Ok(await grains.GetGrain<ICameraGrain>(id).GetAnalytics());
    }

    private static async Task<IResult> PutAnalytics(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (await RequireCamera(grains, id) is { } missing)
        {
            return missing;
        }

        var (body, error) = await Problems.ReadJsonAsync<CameraAnalyticsConfig>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        try
        {
            return Results.Ok(await grains.GetGrain<ICameraGrain>(id).SetAnalytics(body!, AuditIdentity.NameOf(user)));
        }
        catch (DeviceRuleException ex)
        {
            return Problems.From(ex);
        }
    }

    private static async Task<IResult> Events(string id, int? max, ClaimsPrincipal user, IGrainFactory grains, VideoAccess access)
    {
        if (await RequireCamera(grains, id) is { } missing)
        {
            return missing;
        }

        var events = await grains.GetGrain<ICameraGrain>(id).GetRecentVideoEvents(max ?? 50);
        return (await access.PeekAsync(user, id, VideoUse.Evidence)).Allowed
            ? Results.Ok(events)
            : Results.Ok(events.Select(e => e with { Evidence = null }));
    }

    private static async Task<IResult> Pipelines(IGrainFactory grains)
    {
        var partitions = await Task.WhenAll(Enumerable.Range(0, VideoPartitions.Count).Select(p => grains.GetGrain<IVideoCameraPartitionGrain>(p).GetPipelines()));
        return Results.Ok(partitions.SelectMany(p => p).OrderBy(p => p.CameraId, StringComparer.Ordinal));
    }

    private static async Task<IResult> Assignments(IGrainFactory grains)
    {
        var partitions = await Task.WhenAll(Enumerable.Range(0, VideoPartitions.Count).Select(p => grains.GetGrain<IVideoCameraPartitionGrain>(p).Assignments()));
        return Results.Ok(partitions.SelectMany(p => p).OrderBy(p => p.CameraId, StringComparer.Ordinal));
    }

    private static async Task<IResult> Live(string id, HttpResponse response, ClaimsPrincipal user, IGrainFactory grains, VideoAccess access, CancellationToken ct)
    {
        if (await RequireCamera(grains, id) is { } missing)
        {
            return missing;
        }

        if (await access.GuardAsync(user, id, VideoUse.LiveView, "live view", ct) is { } refused)
        {
            return refused;
        }

        var partition = grains.GetVideoPartitionFor(id);
        if (await partition.GetLiveView(id) is not { } view)
        {
            var assignment = (await partition.Assignments()).FirstOrDefault(a => a.CameraId == id);
            return Results.Problem(
                title: assignment switch
                {
                    { QuarantinedUntil: { } until } => $"Camera '{id}' is quarantined until {until:yyyy-MM-dd HH:mm} UTC: {assignment.QuarantineReason}",
                    { Probing: true } => $"Camera '{id}' is being tried in a probe process (its last video worker died running it).",
                    { WorkerId: not null } => $"Camera '{id}' has no frame yet.",
                    _ => $"Camera '{id}' has no running video pipeline (no stream address, or no video worker up).",
                },
                statusCode: StatusCodes.Status404NotFound);
        }

        response.Headers.CacheControl = "no-store";
        response.Headers["X-Frame-Time"] = view.At.ToString("O", CultureInfo.InvariantCulture);
        return Results.Bytes(view.Jpeg, "image/jpeg");
    }

    private static async Task<IResult?> RequireCamera(IGrainFactory grains, string id)
    {
        var found = await grains.GetDirectoryFor(id).Find([id]);
        return found is [{ Kind: DeviceKind.Camera }] ? null : Problems.NotFound($"Camera '{id}'");
    }
}
