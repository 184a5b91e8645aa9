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

public static class CarParkEndpoints
{
    public static IEndpointRouteBuilder MapCarParkEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/car-parks").WithTags("Car parks").RequireAuthorization(Policies.Admin);
        group.MapPut("/{district}/{zone}", Put).Accepts<CarParkRequest>("application/json").Produces<CarPark>()
            .WithSummary("Register (or replace) the riverside car park of a zone: its outline for public alerts, how many minutes before the danger level its barriers close (30 when not said), and its subscribers (vehicle owners told by SMS). Admins only: the subscribers' numbers are personal data.");
        group.MapGet("/{district}/{zone}", Get).Produces<CarPark>()
            .WithSummary("A zone's car park registration.");
        return app;
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
