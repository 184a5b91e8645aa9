using System.Collections.Immutable;
using System.Security.Claims;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Api;

/// <summary>A riverside car park as an admin registers it: the devices of one zone, with its outline, lead time and subscribers.</summary>
public sealed record CarParkRequest(string? Name, IReadOnlyList<GeoPoint>? Outline = null, double? CloseWithinMinutes = null, IReadOnlyList<Subscriber>? Subscribers = null);

/// <summary>How many vehicles someone saw in the car park: counting goes on from there.</summary>
public sealed record OccupancyRequest(int? Parked);

public static class CarParkEndpoints
{
    public static IEndpointRouteBuilder MapCarParkEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/car-parks").WithTags("Car parks").RequireAuthorization(Policies.Admin);
        group.MapPut("/{district}/{zone}", Put).Accepts<CarParkRequest>("application/json").Produces<CarPark>()
            .WithSummary("Register (or replace) the riverside car park of a zone: its outline for public alerts, how many minutes before the danger level its barriers close (30 when not said), and its subscribers (vehicle owners told by SMS). Admins only: the subscribers' numbers are personal data.");
        group.MapGet("/{district}/{zone}", Get).Produces<CarPark>()
            .WithSummary("A zone's car park registration.");
        var occupancy = app.MapGroup("/api/car-parks").WithTags("Car parks");
        occupancy.MapGet("/{district}/{zone}/occupancy", GetOccupancy).RequireAuthorization(Policies.Staff).Produces<CarParkOccupancy>().Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("How many vehicles the car park holds by its entrance cameras' counts (a counting band with an inner side), and since when; 204 before any count.");
        occupancy.MapPut("/{district}/{zone}/occupancy", PutOccupancy).RequireAuthorization(Policies.DeviceControl).Accepts<OccupancyRequest>("application/json").Produces<CarParkOccupancy>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Someone looked: the car park holds this many vehicles now (0 to 100000), and the count goes on from there. Operators and admins.");
        return app;
    }

    private static async Task<IResult> GetOccupancy(string district, string zone, IGrainFactory grains)
    {
        try
        {
            return await grains.GetGrain<ICarParkGrain>(CarParks.KeyOf(district, zone)).GetOccupancy() is { } occupancy
                ? Results.Ok(occupancy)
                : Results.NoContent();
        }
        catch (IncidentRuleException ex)
        {
            return IncidentEndpoints.From(ex);
        }
    }

    private static async Task<IResult> PutOccupancy(string district, string zone, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<OccupancyRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        if (body!.Parked is not { } parked)
        {
            return Problems.Field("parked", "is required: the number of vehicles inside now");
        }

        try
        {
            return Results.Ok(await grains.GetGrain<ICarParkGrain>(CarParks.KeyOf(district, zone)).SetOccupancy(parked, AuditIdentity.ActorOf(user).Name));
        }
        catch (IncidentRuleException ex)
        {
            return IncidentEndpoints.From(ex);
        }
    }

    private static async Task<IResult> Put(string district, string zone, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, CityClock clock, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<CarParkRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        var carPark = new CarPark(district, zone, body!.Name ?? "", [.. body.Outline ?? []], body.CloseWithinMinutes ?? 30,
            [.. (body.Subscribers ?? []).Select(s => s with { Phone = s.Phone?.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal) ?? "" })],
            clock.UtcNow, AuditIdentity.ActorOf(user).Name);
        try
        {
            return Results.Ok(await grains.GetGrain<ICarParkGrain>(CarParks.KeyOf(district, zone)).Define(carPark));
        }
        catch (IncidentRuleException ex)
        {
            return IncidentEndpoints.From(ex);
        }
    }

    private static async Task<IResult> Get(string district, string zone, IGrainFactory grains) =>
        await grains.GetGrain<ICarParkGrain>(CarParks.KeyOf(district, zone)).Get() is { } carPark
            ? Results.Ok(carPark)
            : Problems.NotFound($"A car park of zone '{zone}' in '{district}'");
}
