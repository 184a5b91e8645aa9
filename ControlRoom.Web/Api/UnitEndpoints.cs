using System.Security.Claims;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Devices;
using CityControl.Security;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Api;

public sealed record UnitRequest(string? Name, GeoPoint? Station);

public sealed record UnitStatusRequest(string? Status, string? IncidentId = null);

/// <summary>The agencies' response units: the roster dispatchers choose from and the hazard response proposes from.</summary>
public static class UnitEndpoints
{
    public static IEndpointRouteBuilder MapUnitEndpoints(this IEndpointRouteBuilder app)
    {
        var units = app.MapGroup("/api/units").WithTags("Units").RequireAuthorization(Policies.Staff);
        units.MapGet("/{agency}", List).Produces<IReadOnlyList<ResponseUnit>>()
            .WithSummary("An agency's units (fire, police, traffic, disaster, maintenance) with their station, status and incident.");
        units.MapGet("/{agency}/available", Available).Produces<IReadOnlyList<UnitDistance>>()
            .WithSummary("The agency's available units nearest a place (latitude, longitude), nearest first, with their station's distance in metres.");
        units.MapPut("/{agency}/{id}", Put).RequireAuthorization(Policies.Admin).Accepts<UnitRequest>("application/json").Produces<ResponseUnit>()
            .WithSummary("Add a unit to an agency's roster, or rename or re-station it (admins).");
        units.MapPost("/{agency}/{id}/status", SetStatus).Accepts<UnitStatusRequest>("application/json").Produces<ResponseUnit>()
            .WithSummary("Set a unit's status (available, dispatched, enRoute, onScene, outOfService): the agency's dispatchers and admins. Dispatching an incident with a rostered unit does this by itself.");
        return app;
    }

    private static (Agency? Agency, IResult? Problem) AgencyOf(string agency) =>
        Enum.TryParse<Agency>(agency, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? (parsed, null)
            : (null, Problems.Field("agency", $"'{agency}' is not an agency; expected fire, police, traffic, disaster or maintenance", StatusCodes.Status404NotFound));

    private static async Task<IResult> List(string agency, IGrainFactory grains)
    {
        var (parsed, problem) = AgencyOf(agency);
        return problem ?? Results.Ok(await grains.GetGrain<IUnitRosterGrain>(UnitRosters.KeyOf(parsed!.Value)).List());
    }

    private static async Task<IResult> Available(string agency, double? latitude, double? longitude, int? count, IGrainFactory grains)
    {
        var (parsed, problem) = AgencyOf(agency);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new List<RuleViolation>();
        if (latitude is not (>= -90 and <= 90))
        {
            errors.Add(new("latitude", "is required, a WGS84 latitude between -90 and 90"));
        }

        if (longitude is not (>= -180 and <= 180))
        {
            errors.Add(new("longitude", "is required, a WGS84 longitude between -180 and 180"));
        }

        return errors.Count > 0
            ? Problems.Validation(errors)
            : Results.Ok(await grains.GetGrain<IUnitRosterGrain>(UnitRosters.KeyOf(parsed!.Value)).NearestAvailable(new GeoPoint(latitude!.Value, longitude!.Value), count ?? 5));
    }

    private static async Task<IResult> Put(string agency, string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (parsed, problem) = AgencyOf(agency);
        if (problem is not null)
        {
            return problem;
        }

        var (body, error) = await Problems.ReadJsonAsync<UnitRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        try
        {
            return Results.Ok(await grains.GetGrain<IUnitRosterGrain>(UnitRosters.KeyOf(parsed!.Value)).Define(id, body!.Name ?? "", body.Station!, AuditIdentity.ActorOf(user).Name));
        }
        catch (IncidentRuleException ex)
        {
            return IncidentEndpoints.From(ex);
        }
    }

    private static async Task<IResult> SetStatus(string agency, string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (parsed, problem) = AgencyOf(agency);
        if (problem is not null)
        {
            return problem;
        }

        if (!user.IsInRole(Roles.Admin) && IncidentEndpoints.AgencyOf(user) != parsed)
        {
            return Results.Problem(title: $"only {parsed} dispatchers and admins set a {parsed} unit's status", statusCode: StatusCodes.Status403Forbidden);
        }

        var (body, error) = await Problems.ReadJsonAsync<UnitStatusRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        var errors = new List<RuleViolation>();
        var status = IncidentEndpoints.ParseEnum<UnitStatus>(body!.Status, "status", errors);
        if (status is null && errors.Count == 0)
        {
            errors.Add(new("status", "is required: available, dispatched, enRoute, onScene or outOfService"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        try
        {
            return Results.Ok(await grains.GetGrain<IUnitRosterGrain>(UnitRosters.KeyOf(parsed!.Value)).SetStatus(id, status!.Value, body.IncidentId, AuditIdentity.ActorOf(user).Name));
        }
        catch (IncidentRuleException ex)
        {
            return IncidentEndpoints.From(ex);
        }
    }
}
