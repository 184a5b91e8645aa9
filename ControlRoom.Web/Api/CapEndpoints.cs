using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Security;
using CityControl.Web.Cap;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using CityControl.Rules.Cap;
using CityControl.Rules.Incidents;

namespace CityControl.Web.Api;

/// <summary>Who the platform says it is in CAP, and where imported warnings land, from <c>CityControl:Cap</c>.</summary>
public sealed class CapOptions
{
    public const string Section = "CityControl:Cap";

    public string Sender { get; set; } = "cap@citycontrol.local";

    public string SenderName { get; set; } = "CityControl integrated control centre";

    /// <summary>The district imported warnings are filed under.</summary>
    public string District { get; set; } = "Citywide";

    /// <summary>Where a warning without a usable area is placed on the map.</summary>
    public GeoPoint CityCentre { get; set; } = new(37.5665, 126.9780);

    public long MaxBytes { get; set; } = 5 * 1024 * 1024;
}

public sealed record CapImportResponse(string? IncidentId, string Action, string Identifier, string MsgType);

public static class CapEndpoints
{
    public const string MediaType = "application/cap+xml";

    public static IEndpointRouteBuilder MapCapEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/incidents/{id}/cap", Export).RequireAuthorization(Policies.Staff).WithTags("CAP").RequireValidId()
            .Produces<string>(StatusCodes.Status200OK, MediaType)
            .RequireRateLimiting(ApiFeature.QueryRateLimit)
            .WithSummary("The incident as a CAP 1.2 alert: Alert first, then Update (or Cancel) referencing every earlier message. The same incident state gives the same message.");
        app.MapPost("/api/cap", Import).RequireAuthorization(Policies.CapImport).WithTags("CAP")
            .Accepts<string>(MediaType, "application/xml", "text/xml")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .Produces<CapImportResponse>()
            .Produces<CapImportResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Import an external CAP 1.2 alert (a weather or disaster warning) as an incident; Update and Cancel change the incident of the alert they reference.");
        return app;
    }

    private static async Task<IResult> Export(string id, HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IOptions<CapOptions> options)
    {
        var grain = grains.GetGrain<IIncidentGrain>(id);
        var detail = await grain.GetDetail();
        if (detail is null)
        {
            return Problems.NotFound($"Incident '{id}'");
        }

        if (IncidentEndpoints.AgencyOf(user) is { } own && !detail.Summary.Agencies.Contains(own))
        {
            return Results.Problem(title: $"this incident is not routed to {own}", statusCode: StatusCodes.Status403Forbidden);
        }

        // One message per state of the incident: its identifier and time come from the timeline (less the entries of
        // the platform's bookkeeping: CAP messages themselves, video grants), so asking again gives the same message.
        var last = detail.Timeline.Last(e => !IncidentGrains.IsBookkeeping(e.Action));
        var message = new CapMessageRecord($"{id}.{last.Sequence}", options.Value.Sender, TruncateToSeconds(last.At));
        var issued = detail.CapMessages.Where(m => m.Sender == options.Value.Sender).ToList();
        var index = issued.FindIndex(m => m.Identifier == message.Identifier);
        if (index < 0)
        {
            await grain.RecordCapMessage(message);
            index = issued.Count;
        }

        var xml = CapXml.Write(CapMapping.ToAlert(detail, message, issued.Take(index).ToList(), options.Value.SenderName));

        // Saved as the incident's file, <id>.xml, wherever it is downloaded from.
        context.Response.Headers.ContentDisposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileName = id + ".xml" }.ToString();
        return Results.Text(xml.Declaration + "\n" + xml.Root, MediaType, Encoding.UTF8);
    }

    private static async Task<IResult> Import(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IOptions<CapOptions> options)
    {
        var cap = options.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = cap.MaxBytes;
        }

        var mediaType = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not (MediaType or "application/xml" or "text/xml"))
        {
            return Problems.Field("Content-Type", $"must be {MediaType}, application/xml or text/xml", StatusCodes.Status415UnsupportedMediaType);
        }

        if (context.Request.ContentLength > cap.MaxBytes)
        {
            return Problems.Field("body", $"is larger than {cap.MaxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }

        CapAlertMessage alert;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            buffer.Position = 0;
            alert = CapXml.Read(buffer);
        }
        catch (CapRejectedException ex)
        {
            return Problems.Field(ex.Field, ex.Message);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.Field("body", $"is larger than {cap.MaxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }

        var actor = new Actor($"cap:{alert.Sender}", [Roles.Operator]);
        var record = new CapMessageRecord(alert.Identifier, alert.Sender, alert.Sent);
        var headline = alert.Info?.Headline ?? alert.Info?.Event ?? alert.Identifier;
        foreach (var incidentId in alert.References.Select(r => CapMapping.IncidentIdOf(r.Sender, r.Identifier)))
        {
            var grain = grains.GetGrain<IIncidentGrain>(incidentId);
            if (await grain.GetDetail() is not { } existing)
            {
                continue;
            }

            if (existing.CapMessages.Any(m => m.Identifier == alert.Identifier && m.Sender == alert.Sender))
            {
                return Results.Ok(new CapImportResponse(incidentId, "duplicate", alert.Identifier, alert.MsgType));
            }

            try
            {
                if (alert.MsgType == "Cancel" && !IncidentLifecycle.Terminal.Contains(existing.Summary.Status))
                {
                    await grain.Act(new IncidentAction(IncidentActionKind.Cancel, Text: $"CAP cancel {alert.Identifier}: {headline}"), actor);
                }
                else
                {
                    await grain.Act(new IncidentAction(IncidentActionKind.AddNote, Text: $"CAP {alert.MsgType} {alert.Identifier}: {headline}. {alert.Info?.Description}".Trim()), actor);
                }
            }
            catch (IncidentRuleException ex)
            {
                return IncidentEndpoints.From(ex);
            }

            await grain.RecordCapMessage(record);
            return Results.Ok(new CapImportResponse(incidentId, alert.MsgType == "Cancel" ? "cancelled" : "updated", alert.Identifier, alert.MsgType));
        }

        if (alert.MsgType is "Cancel" or "Ack" or "Error")
        {
            return Results.Ok(new CapImportResponse(null, "ignored", alert.Identifier, alert.MsgType));
        }

        // An alert is identified by sender and identifier (CAP 1.2, 3.2.1): the same alert again changes nothing.
        var id = CapMapping.IncidentIdOf(alert.Sender, alert.Identifier);
        if (await grains.GetGrain<IIncidentGrain>(id).GetDetail() is not null)
        {
            return Results.Ok(new CapImportResponse(id, "duplicate", alert.Identifier, alert.MsgType));
        }

        await grains.GetGrain<IIncidentGrain>(id).Open(CapMapping.OpeningOf(alert, cap.District, cap.CityCentre, actor.Name));
        return Results.Created($"/api/incidents/{id}", new CapImportResponse(id, "opened", alert.Identifier, alert.MsgType));
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), t.Offset);
}
