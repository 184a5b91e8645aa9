using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Ingest;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using CityControl.Rules.Security;
using CityControl.Rules.Devices;

namespace CityControl.Web.Api;

public static class GatewayEndpoints
{
    public static IEndpointRouteBuilder MapGatewayEndpoints(this IEndpointRouteBuilder app)
    {
        var gateways = app.MapGroup("/api/gateways").WithTags("Gateways").RequireAuthorization(Policies.Admin).RequireValidId();
        gateways.MapPost("/", Register)
            .Accepts<GatewayRequest>("application/json")
            .Produces<GatewayResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Register a field gateway that may send readings for its districts' devices; the secret is shown once.");
        gateways.MapGet("/{id}", Get)
            .Produces<GatewayInfo>()
            .WithSummary("A gateway: its name, districts and when its credential was issued.");
        gateways.MapPost("/{id}/credential", Rotate)
            .Produces<CredentialResponse>()
            .WithSummary("Issue a new secret for the gateway; the old one stops working at once.");
        return app;
    }

    private static async Task<IResult> Register(HttpRequest request, IGrainFactory grains, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<GatewayRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        var errors = new List<RuleViolation>();
        var probe = new DeviceDefinition(body!.Id ?? "", DeviceKind.Camera, "x", new GeoPoint(0, 0), "x", "x", DeviceRequestMapper.DefaultHeartbeat);
        errors.AddRange(DeviceRules.Validate(probe).Where(e => e.Field == "id"));
        if (string.IsNullOrWhiteSpace(body.Name))
        {
            errors.Add(new("name", "is required"));
        }

        var districts = body.Districts ?? [];
        if (districts.IsDefaultOrEmpty || districts.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add(new("districts", "must list at least one district, none empty"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var secret = CredentialHashes.NewSecret();
            var info = await grains.GetGrain<IGatewayGrain>(body.Id!).Register(body.Name!, districts, CredentialHashes.Hash(secret));
            return Results.Created($"/api/gateways/{info.Id}", new GatewayResponse(info, new CredentialResponse("gateway:" + info.Id, secret)));
        }
        catch (DeviceConflictException ex)
        {
            return Problems.Conflict(ex.Message);
        }
    }

    private static async Task<IResult> Get(string id, IGrainFactory grains) =>
        await grains.GetGrain<IGatewayGrain>(id).GetInfo() is { } info ? Results.Ok(info) : Problems.NotFound($"Gateway '{id}'");

    private static async Task<IResult> Rotate(string id, IGrainFactory grains)
    {
        try
        {
            var secret = CredentialHashes.NewSecret();
            await grains.GetGrain<IGatewayGrain>(id).ReplaceCredential(CredentialHashes.Hash(secret));
            return Results.Ok(new CredentialResponse("gateway:" + id, secret));
        }
        catch (DeviceNotFoundException ex)
        {
            return Problems.NotFound(ex.Message);
        }
    }
}
