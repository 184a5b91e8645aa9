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

    private static async Task<IResult> Token(HttpRequest request, UserDirectory users, SignInThrottle throttle, IOptions<JsonOptions> json, CancellationToken ct)
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

        var client = request.HttpContext.Connection.RemoteIpAddress;
        if (throttle.WaitFor(body.Username, client) is { } wait)
        {
            // Refused before the password is checked: a guesser costs the server nothing.
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(title: $"Too many wrong passwords for this user or from this address; try again in {seconds} s.", statusCode: StatusCodes.Status429TooManyRequests);
        }

        var principal = users.SignIn(body.Username, body.Password, BearerTokenDefaults.AuthenticationScheme);
        if (principal is null)
        {
            throttle.Failed(body.Username, client);
            return Results.Problem(title: "Unknown user or wrong password.", statusCode: StatusCodes.Status401Unauthorized);
        }

        throttle.Succeeded(body.Username);
        return Results.SignIn(principal, authenticationScheme: BearerTokenDefaults.AuthenticationScheme);
    }
}
