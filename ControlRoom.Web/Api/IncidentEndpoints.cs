using System.Collections.Immutable;
using System.Security.Claims;
using CityControl.Video.Evidence;
using CityControl.Devices;
using CityControl.Video;
using CityControl.Incidents;
using CityControl.Security;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using CityControl.Rules.Geo;
using CityControl.Rules.Devices;
using CityControl.Rules;
using CityControl.Rules.Video;
using CityControl.Rules.Incidents;
using CityControl.Web.Video;

namespace CityControl.Web.Api;

/// <summary>What a person sends with an action; which fields count depends on the action.</summary>
public sealed record IncidentActionRequest(string? Unit = null, string? Text = null, int? Step = null, string? DeviceId = null, string? Condition = null, double? ShelveMinutes = null);

/// <summary>A unit's route: where it starts, the signals it passes in order, its speed; role and J2735 importance level (1-14) default by the dispatcher's agency.</summary>
public sealed record RouteRequest(string? Unit, string? Role = null, int? ImportanceLevel = null, GeoPoint? From = null, IReadOnlyList<string>? Signals = null, double? SpeedKmh = null);

/// <summary>An incident from a telephone call: its type, where (picked on the map), the caller, what was said; priority defaults by type.</summary>
public sealed record CallRequest(string? Type, string? Priority = null, GeoPoint? Location = null, string? District = null, string? Zone = null, CallerRequest? Caller = null, string? Description = null,
    string? Chemical = null, string? Spill = null);

public sealed record CallerRequest(string? Name = null, string? Phone = null);

public sealed record IncidentListResponse(IReadOnlyList<IncidentSummary> Items, string? Next);

/// <summary>
/// A camera near an incident; <see cref="LiveView"/> says whether a video worker runs it now, <see cref="Access"/>
/// whether this user may see its pictures (and if not, why), <see cref="Purposes"/> what a grant may name.
/// </summary>
public sealed record NearbyCamera(
    string Id, string Name, string District, double DistanceMeters, double BearingDegrees, bool LiveView, bool Access, string? AccessRefusal,
    CameraOwner Owner, IReadOnlyList<VideoPurpose> Purposes, GeoPoint? Location = null);

public static class IncidentEndpoints
{
    private static readonly IReadOnlyDictionary<string, IncidentActionKind> Actions = new Dictionary<string, IncidentActionKind>(StringComparer.OrdinalIgnoreCase)
    {
        ["acknowledge"] = IncidentActionKind.Acknowledge,
        ["assign"] = IncidentActionKind.Assign,
        ["dispatch"] = IncidentActionKind.Dispatch,
        ["en-route"] = IncidentActionKind.EnRoute,
        ["on-scene"] = IncidentActionKind.OnScene,
        ["resolve"] = IncidentActionKind.Resolve,
        ["close"] = IncidentActionKind.Close,
        ["cancel"] = IncidentActionKind.Cancel,
        ["false-alarm"] = IncidentActionKind.FalseAlarm,
        ["note"] = IncidentActionKind.AddNote,
        ["complete-step"] = IncidentActionKind.CompleteStep,
        ["shelve-alarm"] = IncidentActionKind.ShelveAlarm,
        ["evidence"] = IncidentActionKind.AddEvidence,
    };

    public static IEndpointRouteBuilder MapIncidentEndpoints(this IEndpointRouteBuilder app)
    {
        var incidents = app.MapGroup("/api/incidents").WithTags("Incidents").RequireAuthorization(Policies.Staff).RequireValidId();
        incidents.MapGet("/", List).RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<IncidentListResponse>()
            .WithSummary("Incidents by status, type, agency, district, priority, words of their title or place (q), ended or not, and opening time, newest first; dispatchers see their agency's only.");
        incidents.MapPost("/", OpenFromCall).RequireAuthorization(Policies.Dispatch)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(16 * 1024))
            .Accepts<CallRequest>("application/json")
            .Produces<IncidentDetail>(StatusCodes.Status201Created)
            .WithSummary("Open an incident from a telephone call: type, location, district, caller, description (priority by type unless given). Operators for any type; a dispatcher for types routed to their agency.");
        incidents.MapGet("/{id}", Get).Produces<IncidentDetail>()
            .WithSummary("One incident with its alarms, devices, procedure, evidence and audit timeline; evidence of cameras the user may not see has no address.");
        incidents.MapGet("/{id}/nearest-cameras", NearestCameras).RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<IReadOnlyList<NearbyCamera>>()
            .WithSummary("The incident's own cameras (the one that raised it, those its response attached) and the count (4) nearest others, with distance (m) and bearing (degrees from north).");
        incidents.MapGet("/{id}/hazard", Hazard)
            .Produces<System.Text.Json.Nodes.JsonObject>()
            .WithSummary("A leak's hazard response: the zone and its versions, the cameras it attached, each signal's answer, as data and as GeoJSON for the map (404 when the incident has none).");
        incidents.MapPost("/{id}/routes", StartRoute).Accepts<RouteRequest>("application/json")
            .Produces<CityControl.Traffic.EmergencyRoute>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Ask priority for a unit's route: each signal on it, in order, gets a J2735-style request for the approach the unit comes in on and its expected arrival, and answers granted, queued or rejected. Dispatchers of the incident's agencies, operators and admins.");
        incidents.MapGet("/{id}/routes", Routes)
            .Produces<System.Text.Json.Nodes.JsonObject>()
            .WithSummary("The incident's emergency routes with each signal's answer, as data and as GeoJSON for the map.");
        incidents.MapPost("/{id}/routes/{unit}/complete", CompleteRoute)
            .Produces<CityControl.Traffic.EmergencyRoute>()
            .WithSummary("The unit arrived (or the route is called off): every signal's request is cleared and the signals go back to their plans.");
        incidents.MapGet("/{id}/media/{index:int}", Media)
            .Produces<byte[]>(StatusCodes.Status200OK, "image/jpeg", "video/x-msvideo")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithSummary("One piece of the incident's camera evidence (snapshot JPEG or MJPG clip), checked against its recorded SHA-256: 409 if it changed.");
        incidents.MapPost("/{id}/actions/{action}", Act)
            .Accepts<IncidentActionRequest>("application/json")
            .Produces<IncidentDetail>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary($"Act on an incident: {string.Join(", ", Actions.Keys)}. 403 for the wrong role or agency, 409 for a move the lifecycle does not allow.");
        return app;
    }

    /// <summary>The agency a dispatcher works for; null for operators and admins, who see every incident.</summary>
    public static Agency? AgencyOf(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Admin) ? null
        : user.IsInRole(Roles.PoliceDispatcher) ? Agency.Police
        : user.IsInRole(Roles.FireDispatcher) ? Agency.Fire
        : null;

    private static readonly DateTimeOffset EarliestQueryTime = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestQueryTime = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<IResult> List(
        ClaimsPrincipal user, IGrainFactory grains, CityClock clock,
        string? status, string? type, string? agency, string? district, DateTimeOffset? from, DateTimeOffset? to, string? after, int? limit,
        string? priority, string? q, bool? ended)
    {
        var errors = new List<RuleViolation>();
        var statusFilter = ParseEnum<IncidentStatus>(status, "status", errors);
        var priorityFilter = ParseEnum<Priority>(priority, "priority", errors);
        if (q is { Length: > 200 })
        {
            errors.Add(new("q", "must be at most 200 characters"));
        }
        else if (q is not null && q.Any(char.IsControl))
        {
            errors.Add(new("q", "must not contain control characters"));
        }

        var typeFilter = ParseEnum<IncidentType>(type, "type", errors);
        var agencyFilter = ParseEnum<Agency>(agency, "agency", errors);
        foreach (var (name, value) in new[] { ("from", from), ("to", to) })
        {
            if (value is { } t && (t < EarliestQueryTime || t > LatestQueryTime))
            {
                errors.Add(new(name, $"must be between {EarliestQueryTime:yyyy-MM-dd} and {LatestQueryTime:yyyy-MM-dd}"));
            }
        }

        // Out-of-range times are reported above; the range is worked out from in-range ones only.
        var until = to is { } t1 && t1 >= EarliestQueryTime && t1 <= LatestQueryTime ? t1 : clock.UtcNow.AddDays(1);
        var since = from is { } t0 && t0 >= EarliestQueryTime && t0 <= LatestQueryTime ? t0 : until.AddDays(-92);
        if (since >= until)
        {
            errors.Add(new("from", "must be before to"));
        }
        else if (until - since > TimeSpan.FromDays(366))
        {
            errors.Add(new("from", "the time range may span at most 366 days"));
        }

        var pageSize = limit ?? 200;
        if (pageSize is < 1 or > 1000)
        {
            errors.Add(new("limit", "must be between 1 and 1000"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (AgencyOf(user) is { } own)
        {
            if (agencyFilter is { } asked && asked != own)
            {
                return Results.Problem(title: $"agency: a {own} dispatcher sees only {own} incidents", statusCode: StatusCodes.Status403Forbidden);
            }

            agencyFilter = own;
        }

        var query = new IncidentQuery(statusFilter, typeFilter, agencyFilter, string.IsNullOrWhiteSpace(district) ? null : district, since, until,
            priorityFilter, string.IsNullOrWhiteSpace(q) ? null : q.Trim(), ended);
        var months = new List<DateTimeOffset>();
        for (var m = new DateTimeOffset(since.Year, since.Month, 1, 0, 0, 0, TimeSpan.Zero); m < until; m = m.AddMonths(1))
        {
            months.Add(m);
        }

        var page = (await grains.QueryIncidents(months, query))
            .OrderByDescending(i => i.OpenedAt).ThenBy(i => i.Id, StringComparer.Ordinal)
            .SkipWhile(i => after is not null && i.Id != after)
            .Skip(after is null ? 0 : 1)
            .Take(pageSize + 1)
            .ToList();
        return Results.Ok(new IncidentListResponse(page.Take(pageSize).ToList(), page.Count > pageSize ? page[pageSize - 1].Id : null));
    }

    private static async Task<IResult> Get(string id, ClaimsPrincipal user, IGrainFactory grains, VideoAccess access)
    {
        var (detail, refused) = await ReadVisible(id, user, grains);
        return refused ?? Results.Ok(await WithoutHiddenEvidence(detail!, user, access));
    }

    /// <summary>
    /// The incident as this user may see it: evidence of cameras whose evidence they may not see keeps its place in
    /// the list (so indexes hold) but loses its address and hash.
    /// </summary>
    private static async Task<IncidentDetail> WithoutHiddenEvidence(IncidentDetail detail, ClaimsPrincipal user, VideoAccess access)
    {
        if (detail.Media.Length == 0 || AgencyOf(user) is null)
        {
            return detail;
        }

        var hidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (var camera in detail.Media.Select(m => m.DeviceId).Distinct(StringComparer.Ordinal))
        {
            if (!(await access.PeekAsync(user, camera, VideoUse.Evidence)).Allowed)
            {
                hidden.Add(camera);
            }
        }

        return hidden.Count == 0 ? detail : detail with
        {
            Media = [.. detail.Media.Select(m => hidden.Contains(m.DeviceId) ? m with { Item = m.Item with { Uri = "", Sha256 = "" } } : m)],
        };
    }

    /// <summary>
    /// One piece of the incident's camera evidence, read back from blob storage and checked against the SHA-256 the
    /// incident recorded when it was stored: 409 when the bytes changed since, so altered evidence is never shown as real.
    /// </summary>
    private static async Task<IResult> Media(string id, int index, ClaimsPrincipal user, IGrainFactory grains, VideoAccess access, HttpResponse response, IServiceProvider services, CancellationToken ct)
    {
        var (detail, refused) = await ReadVisible(id, user, grains);
        if (refused is not null)
        {
            return refused;
        }

        if (index < 0 || index >= detail!.Media.Length)
        {
            return Problems.Field("index", $"must be from 0 to {detail!.Media.Length - 1} (the incident has {detail.Media.Length} evidence items)", StatusCodes.Status404NotFound);
        }

        var item = detail.Media[index].Item;
        if (await access.GuardAsync(user, detail.Media[index].DeviceId, VideoUse.Evidence, $"incident {id} evidence {index}: {item.Kind} sha256 {item.Sha256}", ct) is { } denied)
        {
            return denied;
        }

        if (services.GetService<BlobEvidenceStore>() is not { } store || BlobEvidenceStore.NameOf(store.Container, item) is null)
        {
            return Results.Problem(title: $"evidence {item.Uri} is not in this platform's evidence store", statusCode: StatusCodes.Status404NotFound);
        }

        try
        {
            var bytes = await BlobEvidenceStore.ReadVerifiedAsync(store.Container, item, ct);
            response.Headers["X-Evidence-Sha256"] = item.Sha256;
            response.Headers.CacheControl = "private, max-age=3600";
            return Results.Bytes(bytes, item.ContentType, item.Kind == "clip" ? $"{id}-{index}.avi" : null);
        }
        catch (EvidenceTamperedException ex)
        {
            return Results.Problem(title: ex.Message, statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["sha256"] = ["does not match the evidence as stored"] } });
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == StatusCodes.Status404NotFound)
        {
            return Results.Problem(title: $"evidence {item.Uri} is missing from storage", statusCode: StatusCodes.Status410Gone);
        }
    }

    /// <summary>The incident if it exists and the user's agency may see it; otherwise the 404 or 403 to answer.</summary>
    private static async Task<(IncidentDetail? Detail, IResult? Refused)> ReadVisible(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var detail = await grains.GetGrain<IIncidentGrain>(id).GetDetail();
        if (detail is null)
        {
            return (null, Problems.NotFound($"Incident '{id}'"));
        }

        return AgencyOf(user) is { } own && !detail.Summary.Agencies.Contains(own)
            ? (null, Results.Problem(title: $"this incident is not routed to {own}", statusCode: StatusCodes.Status403Forbidden))
            : (detail, null);
    }

    private static async Task<IResult> Hazard(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (_, refused) = await ReadVisible(id, user, grains);
        if (refused is not null)
        {
            return refused;
        }

        if (await grains.GetGrain<IHazardResponseGrain>(id).Get() is not { } response)
        {
            return Problems.NotFound($"A hazard response of incident '{id}'");
        }

        var signals = (await grains.QueryDevicesById([.. response.Signals.Select(s => s.SignalId)])).ToDictionary(d => d.Id, StringComparer.Ordinal);
        return Results.Ok(new System.Text.Json.Nodes.JsonObject
        {
            ["incidentId"] = id,
            ["active"] = response.Active,
            ["zone"] = System.Text.Json.JsonSerializer.SerializeToNode(response.Zone, Hosting.JsonDefaults.Options),
            ["versions"] = response.History.Length,
            ["cameras"] = new System.Text.Json.Nodes.JsonArray([.. response.Cameras.Select(c => (System.Text.Json.Nodes.JsonNode)c)]),
            ["signals"] = System.Text.Json.JsonSerializer.SerializeToNode(response.Signals, Hosting.JsonDefaults.Options),
            ["geojson"] = Map.HazardGeoJson.Of(response, signals),
        });
    }

    /// <summary>The J2735 importance level a role's request carries unless the dispatcher says otherwise (14 is the highest).</summary>
    private static int DefaultImportance(CityControl.Traffic.VehicleRole role) => role switch
    {
        CityControl.Traffic.VehicleRole.Fire or CityControl.Traffic.VehicleRole.Ambulance => 12,
        CityControl.Traffic.VehicleRole.Police => 10,
        _ => 4,
    };

    private static async Task<IResult> StartRoute(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (_, refused) = await ReadVisible(id, user, grains);
        if (refused is not null)
        {
            return refused;
        }

        if (!(user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Admin) || AgencyOf(user) is not null))
        {
            return Results.Problem(title: "only operators, admins and the incident's dispatchers ask for routes", statusCode: StatusCodes.Status403Forbidden);
        }

        var (body, error) = await Problems.ReadJsonAsync<RouteRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        var errors = new List<RuleViolation>();
        var role = ParseEnum<CityControl.Traffic.VehicleRole>(body!.Role, "role", errors)
            ?? (AgencyOf(user) == Agency.Police ? CityControl.Traffic.VehicleRole.Police : CityControl.Traffic.VehicleRole.Fire);
        if (string.IsNullOrWhiteSpace(body.Unit))
        {
            errors.Add(new("unit", "is required"));
        }

        if (body.From is null)
        {
            errors.Add(new("from", "is required: where the unit starts (latitude, longitude)"));
        }

        if (body.Signals is null or { Count: 0 })
        {
            errors.Add(new("signals", "must list the traffic signals the unit passes, in order"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var plan = new CityControl.Traffic.RoutePlan(body.Unit!.Trim(), role, body.ImportanceLevel ?? DefaultImportance(role), body.From!,
                [.. body.Signals!], body.SpeedKmh ?? 40, AuditIdentity.ActorOf(user).Name);
            return Results.Ok(await grains.GetGrain<CityControl.Traffic.IEmergencyRouteGrain>(CityControl.Traffic.EmergencyRoutes.KeyOf(id, plan.Unit)).Start(plan));
        }
        catch (IncidentRuleException ex)
        {
            return From(ex);
        }
    }

    private static async Task<IResult> CompleteRoute(string id, string unit, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (_, refused) = await ReadVisible(id, user, grains);
        if (refused is not null)
        {
            return refused;
        }

        try
        {
            return Results.Ok(await grains.GetGrain<CityControl.Traffic.IEmergencyRouteGrain>(CityControl.Traffic.EmergencyRoutes.KeyOf(id, unit))
                .Complete($"{unit} arrived ({AuditIdentity.ActorOf(user).Name})"));
        }
        catch (IncidentRuleException ex)
        {
            return From(ex);
        }
    }

    private static async Task<IResult> Routes(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (detail, refused) = await ReadVisible(id, user, grains);
        if (refused is not null)
        {
            return refused;
        }

        var routes = (await Task.WhenAll(detail!.Routes.Select(unit =>
            grains.GetGrain<CityControl.Traffic.IEmergencyRouteGrain>(CityControl.Traffic.EmergencyRoutes.KeyOf(id, unit)).Get()))).OfType<CityControl.Traffic.EmergencyRoute>().ToList();
        return Results.Ok(new System.Text.Json.Nodes.JsonObject
        {
            ["incidentId"] = id,
            ["routes"] = System.Text.Json.JsonSerializer.SerializeToNode(routes, Hosting.JsonDefaults.Options),
            ["geojson"] = Map.HazardGeoJson.OfRoutes(routes),
        });
    }

    private static async Task<IResult> NearestCameras(string id, int? count, ClaimsPrincipal user, IGrainFactory grains, CityClock clock)
    {
        var (detail, refused) = await ReadVisible(id, user, grains);
        if (refused is not null)
        {
            return refused;
        }

        // The incident's own cameras (the one that raised it, those its response attached) always, then the nearest others.
        var own = detail!.Devices.Concat(detail.Cameras).ToHashSet(StringComparer.Ordinal);
        var nearest = VideoAccessRules.ForIncident(await grains.QueryDevices(new DeviceQuery(Kind: DeviceKind.Camera)), detail.Summary.Location, Math.Clamp(count ?? 4, 1, 20), own);
        var profiles = await Task.WhenAll(nearest.Select(c => grains.GetGrain<ICameraGrain>(c.Camera.Id).GetAccess()));
        var viewer = VideoAccess.ViewerOf(user);
        var decisions = profiles.Select(p => VideoAccessRules.Decide(viewer, p, VideoUse.LiveView, clock.UtcNow)).ToList();

        // Whether a video worker runs each one now: the partitions hold the assignments.
        var running = new HashSet<string>(StringComparer.Ordinal);
        foreach (var assignments in await Task.WhenAll(nearest.Select(c => VideoPartitions.Of(c.Camera.Id)).Distinct()
            .Select(p => grains.GetGrain<IVideoCameraPartitionGrain>(p).Assignments())))
        {
            running.UnionWith(assignments.Where(a => a.WorkerId is not null).Select(a => a.CameraId));
        }

        return Results.Ok(nearest.Select((c, i) => new NearbyCamera(c.Camera.Id, c.Camera.Name, c.Camera.District, Math.Round(c.Meters),
            Math.Round(GeoDistance.BearingDegrees(detail!.Summary.Location, c.Camera.Location)), running.Contains(c.Camera.Id),
            decisions[i].Allowed, decisions[i].Refusal, profiles[i].Owner, profiles[i].Purposes, c.Camera.Location)));
    }

    private static async Task<IResult> OpenFromCall(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, CityClock clock, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<CallRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        var errors = new List<RuleViolation>();
        var type = ParseEnum<IncidentType>(body!.Type, "type", errors);
        if (body.Type is null)
        {
            errors.Add(new("type", $"is required: one of {string.Join(", ", Enum.GetValues<IncidentType>().Where(CallIntake.CanOpen))}"));
        }

        var priority = ParseEnum<Priority>(body.Priority, "priority", errors);
        var spill = ParseEnum<SpillSize>(body.Spill, "spill", errors);
        var call = new CallReport(type ?? IncidentType.Fire, priority, body.Location, body.District, body.Zone, body.Caller?.Name, body.Caller?.Phone, body.Description,
            string.IsNullOrWhiteSpace(body.Chemical) ? null : body.Chemical, spill);
        errors.AddRange(CallIntake.Check(call).Where(e => type is not null || e.Field != "type"));
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (AgencyOf(user) is { } own && !IncidentCatalog.AgenciesOf(call.Type).Contains(own))
        {
            return Results.Problem(title: $"a {call.Type} incident is not routed to {own}: the control-room operator opens it", statusCode: StatusCodes.Status403Forbidden);
        }

        var at = clock.UtcNow;
        var id = $"call-{at.UtcDateTime:yyyyMMdd}-{Guid.NewGuid().ToString("N")[..8]}";
        var grain = grains.GetGrain<IIncidentGrain>(id);
        await grain.Open(CallIntake.OpeningOf(call, at, AuditIdentity.ActorOf(user).Name));
        return Results.Created($"/api/incidents/{id}", await grain.GetDetail());
    }

    private static async Task<IResult> Act(string id, string action, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (!Actions.TryGetValue(action, out var kind))
        {
            return Problems.Field("action", $"'{action}' is not an incident action; expected one of {string.Join(", ", Actions.Keys)}", StatusCodes.Status404NotFound);
        }

        IncidentActionRequest body = new();
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var (parsed, error) = await Problems.ReadJsonAsync<IncidentActionRequest>(request, json.Value.SerializerOptions, ct);
            if (error is not null)
            {
                return error;
            }

            body = parsed!;
        }

        var errors = new List<RuleViolation>();
        var condition = ParseEnum<AlarmCondition>(body.Condition, "condition", errors);
        if (body.ShelveMinutes is { } minutes && (!double.IsFinite(minutes) || minutes <= 0 || minutes > 1440))
        {
            errors.Add(new("shelveMinutes", "must be more than 0 and at most 1440"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var command = new IncidentAction(kind, body.Unit, body.Text, body.Step, body.DeviceId, condition,
            body.ShelveMinutes is { } m ? TimeSpan.FromMinutes(m) : null);
        try
        {
            var incident = grains.GetGrain<IIncidentGrain>(id);
            if (kind != IncidentActionKind.ShelveAlarm)
            {
                return Results.Ok(await incident.Act(command, AuditIdentity.ActorOf(user)));
            }

            // Shelving changes how the district's alarms are routed: it goes to the correlator, which tells the incident.
            if (await incident.GetDetail() is not { } detail)
            {
                return Problems.Field("id", $"incident '{id}' does not exist", StatusCodes.Status404NotFound);
            }

            return Results.Ok(await grains.GetGrain<IIncidentCorrelatorGrain>(detail.Summary.District).ShelveAlarm(id, command, AuditIdentity.ActorOf(user)));
        }
        catch (IncidentRuleException ex)
        {
            return From(ex);
        }
    }

    public static IResult From(IncidentRuleException ex) => ex.Kind switch
    {
        IncidentRuleKind.Forbidden => Results.Problem(title: ex.Message, statusCode: StatusCodes.Status403Forbidden),
        IncidentRuleKind.IllegalTransition => Results.Problem(title: ex.Message, statusCode: StatusCodes.Status409Conflict),
        IncidentRuleKind.NotFound => Results.Problem(title: ex.Message, statusCode: StatusCodes.Status404NotFound),
        _ => Problems.Field(ex.Message.Split(':')[0], ex.Message.Contains(':', StringComparison.Ordinal) ? ex.Message[(ex.Message.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() : ex.Message),
    };

    internal static T? ParseEnum<T>(string? value, string field, List<RuleViolation> errors)
        where T : struct, Enum
    {
        if (value is null)
        {
            return null;
        }

        var normalized = value.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (Enum.TryParse<T>(normalized, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
        {
            return parsed;
        }

        errors.Add(new(field, $"'{value}' is not one of {string.Join(", ", Enum.GetNames<T>())}"));
        return null;
    }
}

/// <summary>An operator console's alarm load: the districts it watches, and their sum.</summary>
public sealed record ConsoleAlarmRate(IReadOnlyList<AlarmRate> Districts, int Annunciated, bool Flood, IReadOnlyDictionary<Priority, int> ByPriority);

public static class AlarmRateEndpoints
{
    public static IEndpointRouteBuilder MapAlarmRateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/alarm-rates", Get).RequireAuthorization(Policies.Staff).WithTags("Incidents").RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<ConsoleAlarmRate>()
            .WithSummary("Alarms annunciated in the last 10 minutes for the districts a console watches (?district=a&district=b), with the ISA-18.2 flood flag (more than 10) and the priority mix.");
        return app;
    }

    private static async Task<IResult> Get(HttpRequest request, IGrainFactory grains)
    {
        var districts = request.Query["district"].Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => d!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (districts.Count is 0 or > 100)
        {
            return Problems.Field("district", "name between 1 and 100 districts, e.g. ?district=Guro&district=Yeouido");
        }

        var rates = await Task.WhenAll(districts.Select(d => grains.GetGrain<IIncidentCorrelatorGrain>(d).GetAlarmRate()));
        var total = rates.Sum(r => r.Annunciated);
        return Results.Ok(new ConsoleAlarmRate(rates, total, total > AlarmRate.FloodThreshold,
            Enum.GetValues<Priority>().ToDictionary(p => p, p => rates.Sum(r => r.ByPriority.GetValueOrDefault(p)))));
    }
}
