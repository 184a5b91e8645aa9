using System.Globalization;
using System.Security.Claims;
using CityControl.Devices;
using CityControl.Video;
using CityControl.Web.Security;
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
            .WithSummary("The camera's analytics settings: zones and motion masks in image pixels, analysis rate and detection width.");
        cameras.MapPut("/{id}/analytics", PutAnalytics).RequireAuthorization(Policies.Admin)
            .WithSummary("Replaces the camera's analytics settings; its pipeline restarts with them within the refresh interval. 400 names the field and the rule.");
        cameras.MapGet("/{id}/video-events", Events).RequireAuthorization(Policies.Staff)
            .WithSummary("The camera's recent video events (intrusions, counts, stream loss...), newest last.");
        cameras.MapGet("/{id}/live.jpg", Live).RequireAuthorization(Policies.Staff)
            .WithSummary("The newest annotated frame of the camera's pipeline, from the video worker that runs it (refresh to follow it); 404 when no worker runs it or it has no frame yet.");
        app.MapGet("/api/video/pipelines", Pipelines)
            .RequireAuthorization(Policies.Staff).WithTags("Video")
            .WithSummary("The camera pipelines every live video worker runs: the worker, stream up or not, frames read, analysed and dropped, reconnects.");
        return app;
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

    private static async Task<IResult> Events(string id, int? max, IGrainFactory grains)
    {
        if (await RequireCamera(grains, id) is { } missing)
        {
            return missing;
        }

        return Results.Ok(await grains.GetGrain<ICameraGrain>(id).GetRecentVideoEvents(max ?? 50));
    }

    private static async Task<IResult> Pipelines(IGrainFactory grains)
    {
        var partitions = await Task.WhenAll(Enumerable.Range(0, VideoPartitions.Count).Select(p => grains.GetGrain<IVideoCameraPartitionGrain>(p).GetPipelines()));
        return Results.Ok(partitions.SelectMany(p => p).OrderBy(p => p.CameraId, StringComparer.Ordinal));
    }

    private static async Task<IResult> Live(string id, HttpResponse response, IGrainFactory grains)
    {
        var partition = grains.GetVideoPartitionFor(id);
        if (await partition.GetLiveView(id) is not { } view)
        {
            var running = (await partition.Assignments()).Any(a => a.CameraId == id && a.WorkerId is not null);
            return Results.Problem(
                title: running ? $"Camera '{id}' has no frame yet." : $"Camera '{id}' has no running video pipeline (no stream address, or no video worker up).",
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
