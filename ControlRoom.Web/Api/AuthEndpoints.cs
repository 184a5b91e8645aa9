using CityControl.Web.Security;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Api;

public sealed record TokenRequest(string? Username, string? Password);

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/token", Token)
            .AllowAnonymous()
            .WithTags("Authentication")
            .WithSummary("Exchange a username and password for a bearer token (ASP.NET Core's bearer token handler).");
        return app;
    }

    private static async Task<IResult> Token(HttpRequest request, UserDirectory users, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<TokenRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(body!.Username) || string.IsNullOrEmpty(body.Password))
        {
            return Problems.Validation([new(string.IsNullOrWhiteSpace(body.Username) ? "username" : "password", "is required")]);
        }

        var principal = users.SignIn(body.Username, body.Password, BearerTokenDefaults.AuthenticationScheme);
        return principal is null
            ? Results.Problem(title: "Unknown user or wrong password.", statusCode: StatusCodes.Status401Unauthorized)
            : Results.SignIn(principal, authenticationScheme: BearerTokenDefaults.AuthenticationScheme);
    }
}
