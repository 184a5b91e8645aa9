using System.Globalization;
using System.Security.Claims;
using CityControl.Rules;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Api;

public sealed record TokenRequest(string? Username, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

/// <summary>What the token and refresh endpoints answer (ASP.NET Core's bearer token response).</summary>
public sealed record TokenResponse(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken);

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Authentication");
        auth.MapPost("/token", Token)
            .AllowAnonymous()
            .Accepts<TokenRequest>("application/json")
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Exchange a username and password for a bearer access token and a refresh token; 429 with Retry-After after repeated wrong passwords.");
        auth.MapPost("/refresh", Refresh)
            .AllowAnonymous()
            .Accepts<RefreshRequest>("application/json")
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Exchange the newest refresh token for a new access token and refresh token. A refresh token works once: one used again ends the session.");
        auth.MapPost("/sign-out", SignOut)
            .RequireAuthorization(Policies.Staff)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Ends the caller's session: its access and refresh tokens (and the sign-in cookie) are refused from now on, on every front end.");
        return app;
    }

    private static async Task<IResult> Token(HttpRequest request, UserDirectory users, SignInThrottle throttle, SignInSessions sessions, IOptions<JsonOptions> json, CancellationToken ct)
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
            request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Results.Problem(title: $"Too many wrong passwords for this user or from this address; try again in {seconds} s.", statusCode: StatusCodes.Status429TooManyRequests);
        }

        var principal = users.SignIn(body.Username, body.Password, BearerTokenDefaults.AuthenticationScheme);
        if (principal is null)
        {
            throttle.Failed(body.Username, client);
            return Results.Problem(title: "Unknown user or wrong password.", statusCode: StatusCodes.Status401Unauthorized);
        }

        throttle.Succeeded(body.Username);
        return Results.SignIn(await sessions.StartAsync(principal), authenticationScheme: BearerTokenDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// A new pair of tokens for the newest refresh token of an active session. The user is looked up again, so a user
    /// removed from the configuration, or given other roles, gets no token or tokens with the new roles.
    /// </summary>
    private static async Task<IResult> Refresh(
        HttpRequest request, UserDirectory users, SignInSessions sessions, CityClock clock,
        IOptionsMonitor<BearerTokenOptions> bearer, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, error) = await Problems.ReadJsonAsync<RefreshRequest>(request, json.Value.SerializerOptions, ct);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(body!.RefreshToken))
        {
            return Problems.Validation([new("refreshToken", "is required")]);
        }

        var ticket = bearer.Get(BearerTokenDefaults.AuthenticationScheme).RefreshTokenProtector.Unprotect(body.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || expires <= clock.UtcNow
            || ticket.Principal.FindFirstValue(SignInSessions.SessionClaim) is not { } session
            || !int.TryParse(ticket.Principal.FindFirstValue(SignInSessions.GenerationClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier) is not { } username)
        {
            return Refused("refreshToken: is not a valid, unexpired refresh token of this platform");
        }

        var outcome = await sessions.RefreshAsync(session, username, generation);
        if (outcome.Generation is not { } next)
        {
            return Refused($"refreshToken: {outcome.Refused}");
        }

        if (users.Find(username, BearerTokenDefaults.AuthenticationScheme) is not { } principal)
        {
            await sessions.EndAsync(session, "the user no longer exists");
            return Refused("refreshToken: the user no longer exists");
        }

        return Results.SignIn(SignInSessions.WithSession(principal, session, next), authenticationScheme: BearerTokenDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> SignOut(HttpContext context, SignInSessions sessions)
    {
        await sessions.SignOutAsync(context);
        return Results.NoContent();
    }

    private static IResult Refused(string title) => Results.Problem(title: title, statusCode: StatusCodes.Status401Unauthorized);
}
