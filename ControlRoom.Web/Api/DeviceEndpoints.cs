using CityControl.Security;
using System.Security.Claims;
using CityControl.Devices;
using CityControl.Web.Devices;
using CityControl.Web.Ingest;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using CityControl.Rules.Security;
using CityControl.Rules.Devices;
using CityControl.Rules;

namespace CityControl.Web.Api;

public static class DeviceEndpoints
{
    /// <summary>A device definition (onboarding or change) is small: anything bigger is a 413.</summary>
    public const long MaxDeviceBytes = 1024 * 1024;

    /// <summary>A CSV or GeoJSON import of up to 10,000 devices.</summary>
    public const long MaxImportBytes = 16 * 1024 * 1024;

    private const int DefaultPageSize = 500;
    private const int MaxPageSize = 5000;

    public static IEndpointRouteBuilder MapDeviceEndpoints(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/api/devices").WithTags("Devices").RequireValidId();

        devices.MapPost("/", Onboard).RequireAuthorization(Policies.Admin).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxDeviceBytes))
            .Accepts<DeviceRequest>("application/json")
            .Produces<OnboardResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Onboard one device; the answer holds its ingest secret, shown only this once.");
        devices.MapGet("/{id}", Get).RequireAuthorization(Policies.Staff)
            .Produces<DeviceResponse>()
            .WithSummary("One device with its live state, latest readings and active alarms; a camera's stream address only for admins.");
        devices.MapGet("/", List).RequireAuthorization(Policies.Staff).RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<DeviceListResponse>()
            .WithSummary("Devices by kind, district and status, ordered by id; pass 'next' back as 'after' for the next page.");
        devices.MapPatch("/{id}", Patch).RequireAuthorization(Policies.Admin).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxDeviceBytes))
            .Accepts<DevicePatchRequest>("application/json")
            .Produces<DeviceResponse>()
            .WithSummary("Change a device: absent fields stay as they are; a status change must follow the lifecycle (400 names the rule).");
        devices.MapDelete("/{id}", Decommission).RequireAuthorization(Policies.Admin)
            .Produces<DeviceResponse>()
            .WithSummary("Decommission: the device stops taking readings; its history is kept.");
        devices.MapPost("/{id}/credential", Rotate).RequireAuthorization(Policies.Admin)
            .Produces<CredentialResponse>()
            .WithSummary("Issue a new ingest secret; the old one stops working at once.");
        devices.MapPost("/{id}/barrier", CommandBarrier).RequireAuthorization(Policies.DeviceControl).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(4 * 1024))
            .Accepts<BarrierRequest>("application/json")
            .Produces<DeviceCommandAnswer>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Open or close a barrier by hand ({target: open|closed, reason?}); recorded on the device with who and why. 409 with the barrier's refusal (offline, out of service, in fault).");
        devices.MapGet("/{id}/readings", Readings).RequireAuthorization(Policies.Staff).RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<IReadOnlyList<ReadingResponse>>()
            .WithSummary("The device's recent readings (of one metric if given), newest last.");
        devices.MapGet("/{id}/events", Events).RequireAuthorization(Policies.Staff).RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<IReadOnlyList<DeviceEvent>>()
            .WithSummary("The device's recent events (offline, back online, lifecycle, configuration, alarms, access grants), newest last.");
        devices.MapPost("/import", Import).RequireAuthorization(Policies.Admin).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxImportBytes))
            .Accepts<string>("text/csv", "application/geo+json", NgsiLdEndpoints.LdJson)
            .Produces<ImportReport>()
            .Produces<ImportReport>(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Bulk onboarding from CSV, GeoJSON or NGSI-LD Device entities (application/ld+json): each row validated; ?dryRun=true writes nothing; ?atomic=true writes nothing unless every row is good.");
        return app;
    }

    private static async Task<IResult> Onboard(HttpRequest request, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<DeviceRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        var (definition, errors) = DeviceRequestMapper.ToDefinition(body!);
        if (definition is null)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var secret = CredentialHashes.NewSecret();
            var snapshot = await grains.GetDevice(definition.Kind, definition.Id).Onboard(definition, CredentialHashes.Hash(secret));
            return Results.Created($"/api/devices/{definition.Id}", new OnboardResponse(DeviceResponse.From(snapshot), new CredentialResponse("device:" + definition.Id, secret)));
        }
        catch (DeviceConflictException ex)
        {
            return Problems.Conflict(ex.Message);
        }
        catch (DeviceRuleException ex)
        {
            // Rules only the grain can check (a camera's stream source against this deployment's policy).
            return Problems.From(ex);
        }
    }

    private static async Task<IResult> Get(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var snapshot = await SnapshotOf(grains, id);
        if (snapshot is null)
        {
            return Problems.NotFound($"Device '{id}'");
        }

        // A camera's stream address is for admins only: anyone holding it could watch the camera around the platform.
        var device = DeviceResponse.From(snapshot);
        return Results.Ok(device.Camera is { StreamUrl: not null } camera && !user.IsInRole(Roles.Admin)
            ? device with { Camera = camera with { StreamUrl = null } }
            : device);
    }

    private static async Task<IResult> List(IGrainFactory grains, string? kind, string? district, string? status, string? after, int? limit)
    {
        var errors = new List<RuleViolation>();
        DeviceKind? kindFilter = null;
        if (kind is not null)
        {
            if (DeviceRequestMapper.TryParseKind(kind, out var k))
            {
                kindFilter = k;
            }
            else
            {
                errors.Add(new("kind", "must be camera, trafficSignal, gasSensor or floodSensor"));
            }
        }

        LifecycleStatus? statusFilter = null;
        if (status is not null)
        {
            if (Enum.TryParse<LifecycleStatus>(status, true, out var s) && Enum.IsDefined(s))
            {
                statusFilter = s;
            }
            else
            {
                errors.Add(new("status", "must be provisioned, active, maintenance or decommissioned"));
            }
        }

        var pageSize = limit ?? DefaultPageSize;
        if (pageSize is < 1 or > MaxPageSize)
        {
            errors.Add(new("limit", $"must be between 1 and {MaxPageSize}"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var query = new DeviceQuery(kindFilter, district, statusFilter);
        var page = (await grains.QueryDevices(query))
            .Where(d => after is null || string.CompareOrdinal(d.Id, after) > 0)
            .Take(pageSize + 1)
            .ToList();
        var next = page.Count > pageSize ? page[pageSize - 1].Id : null;
        return Results.Ok(new DeviceListResponse(page.Take(pageSize).ToList(), next));
    }

    private static async Task<IResult> Patch(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, DeviceRoutingCache routing, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<DevicePatchRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        var (update, errors) = DeviceRequestMapper.ToUpdate(body!);
        if (update is null)
        {
            return Problems.Validation(errors);
        }

        return await OnDevice(grains, id, async g =>
        {
            var snapshot = await g.Update(update, AuditIdentity.NameOf(user));
            routing.Forget(id);
            return Results.Ok(DeviceResponse.From(snapshot));
        });
    }

    private static Task<IResult> Decommission(string id, ClaimsPrincipal user, IGrainFactory grains, DeviceRoutingCache routing) =>
        OnDevice(grains, id, async g =>
        {
            var snapshot = await g.Decommission(AuditIdentity.NameOf(user));
            routing.Forget(id);
            return Results.Ok(DeviceResponse.From(snapshot));
        });

    private static Task<IResult> Rotate(string id, IGrainFactory grains) =>
        OnDevice(grains, id, async g =>
        {
            var secret = CredentialHashes.NewSecret();
            await g.ReplaceCredential(CredentialHashes.Hash(secret));
            return Results.Ok(new CredentialResponse("device:" + id, secret));
        });

    private static async Task<IResult> CommandBarrier(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<BarrierRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        BarrierPosition? target = body!.Target switch
        {
            "open" => BarrierPosition.Open,
            "closed" => BarrierPosition.Closed,
            _ => null,
        };
        if (target is null)
        {
            return Problems.Field("target", "must be 'open' or 'closed'");
        }

        var reason = body.Reason?.Trim();
        if (reason is { Length: > BarrierRequest.MaxReasonLength } || reason?.Any(char.IsControl) == true)
        {
            return Problems.Field("reason", $"must be at most {BarrierRequest.MaxReasonLength} characters, without control characters");
        }

        return await OnDevice(grains, id, async g =>
        {
            if (g is not IBarrierGrain barrier)
            {
                return Problems.Field("id", $"'{id}' is not a barrier; only barriers are opened and closed here", StatusCodes.Status409Conflict);
            }

            var name = AuditIdentity.NameOf(user);
            var by = string.IsNullOrEmpty(reason) ? Phrases.Say("command.byHand", name) : Phrases.Say("command.byHandBecause", name, reason);
            var answer = await barrier.Command(target.Value, "", Phrases.InEnglish(by), by);
            return answer.Accepted ? Results.Ok(answer) : Problems.Field("target", answer.Detail, StatusCodes.Status409Conflict);
        });
    }

    private static Task<IResult> Readings(string id, string? metric, int? max, IGrainFactory grains) =>
        OnDevice(grains, id, async g => Results.Ok((await g.GetRecentReadings(metric, max ?? 100)).Select(DeviceResponse.ReadingOf)));

    private static Task<IResult> Events(string id, int? max, IGrainFactory grains) =>
        OnDevice(grains, id, async g => Results.Ok(await g.GetRecentEvents(max ?? 50)));

    private static async Task<IResult> Import(
        HttpRequest request, bool? dryRun, bool? atomic, IGrainFactory grains, DeviceImporter importer, CancellationToken ct)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("text/csv" or "application/geo+json" or "application/json" or NgsiLdEndpoints.LdJson))
        {
            return Problems.Field("Content-Type", "must be text/csv, application/geo+json or application/ld+json (NGSI-LD Device entities)", StatusCodes.Status415UnsupportedMediaType);
        }

        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(ct);
        var parsed = mediaType switch
        {
            "text/csv" => DeviceImporter.ParseCsv(text),
            NgsiLdEndpoints.LdJson => DeviceImporter.ParseNgsiLd(text),
            _ => DeviceImporter.ParseGeoJson(text),
        };
        if (parsed.FileError is { } fileError)
        {
            return Problems.Field(fileError.Field, fileError.Message);
        }

        var report = await importer.ImportAsync(parsed.Rows, dryRun ?? false, atomic ?? false);
        return report.AtomicRefused ? Results.UnprocessableEntity(report) : Results.Ok(report);
    }

    private static async Task<DeviceSnapshot?> SnapshotOf(IGrainFactory grains, string id)
    {
        var summaries = await grains.GetDirectoryFor(id).Find([id]);
        return summaries.IsEmpty ? null : await grains.GetDevice(summaries[0].Kind, id).GetSnapshot();
    }

    private static async Task<IResult> OnDevice(IGrainFactory grains, string id, Func<IDeviceGrain, Task<IResult>> action)
    {
        var summaries = await grains.GetDirectoryFor(id).Find([id]);
        if (summaries.IsEmpty)
        {
            return Problems.NotFound($"Device '{id}'");
        }

        try
        {
            return await action(grains.GetDevice(summaries[0].Kind, id));
        }
        catch (DeviceRuleException ex)
        {
            return Problems.From(ex);
        }
        catch (DeviceNotFoundException ex)
        {
            return Problems.NotFound(ex.Message);
        }
    }
}
