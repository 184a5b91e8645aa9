using System.Collections.Concurrent;
using System.Security.Claims;
using CityControl.Rules;
using CityControl.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Security;

public sealed class SignInSessionOptions
{
    public const string Section = "CityControl:Sessions";

    /// <summary>How long a bearer access token is good for; refresh it with <c>POST /api/auth/refresh</c>.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after sign-in a session can be refreshed (a shift); then the user signs in again.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// How long a front end trusts that a session it checked is still active. A sign-out holds at once on the front
    /// end it was made on, and on every other one within this time.
    /// </summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Sign-in sessions as a front end sees them: starts them at sign-in (a session id and generation in every token and
/// cookie), ends them at sign-out, and refuses any token or cookie whose session has ended, asking the session grain
/// at most once per <see cref="SignInSessionOptions.RecheckInterval"/> per session.
/// </summary>
public sealed class SignInSessions(IGrainFactory grains, CityClock clock, IOptions<SignInSessionOptions> options)
{
    public const string SessionClaim = "sid";
    public const string GenerationClaim = "sgen";

    private readonly ConcurrentDictionary<string, Checked> _checked = new(StringComparer.Ordinal);

    public SignInSessionOptions Options { get; } = options.Value;

    /// <summary>Starts a session for a principal just signed in and returns it with the session's claims.</summary>
    public async Task<ClaimsPrincipal> StartAsync(ClaimsPrincipal principal)
    {
        var id = Guid.NewGuid().ToString("N");
        var username = principal.FindFirstValue(ClaimTypes.NameIdentifier)!;
        await grains.GetGrain<ISignInSessionGrain>(id).Start(username, clock.UtcNow + Options.SessionLifetime);
        return WithSession(principal, id, 0);
    }

    /// <summary>The principal with the session's id and generation, for the tokens a refresh issues.</summary>
    public static ClaimsPrincipal WithSession(ClaimsPrincipal principal, string sessionId, int generation)
    {
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(SessionClaim, sessionId));
        identity.AddClaim(new Claim(GenerationClaim, generation.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return principal;
    }

    /// <summary>Signs the request's user out: ends their session (every token and cookie of it) and drops the cookie.</summary>
    public async Task SignOutAsync(HttpContext context)
    {
        if (context.User.FindFirstValue(SessionClaim) is { } session)
        {
            await EndAsync(session, "signed out");
        }

        if (context.User.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme)
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    public async Task EndAsync(string sessionId, string reason)
    {
        await grains.GetGrain<ISignInSessionGrain>(sessionId).End(reason);
        _checked[sessionId] = new Checked(false, DateTimeOffset.MaxValue);
    }

    public async Task<SessionRefresh> RefreshAsync(string sessionId, string username, int generation)
    {
        var outcome = await grains.GetGrain<ISignInSessionGrain>(sessionId).Refresh(username, generation);
        if (outcome.Generation is null && !await grains.GetGrain<ISignInSessionGrain>(sessionId).IsActive())
        {
            // Ended by this refusal (a reused refresh token) or before it: refused here at once, not after the recheck.
            _checked[sessionId] = new Checked(false, DateTimeOffset.MaxValue);
        }

        return outcome;
    }

    /// <summary>Whether the session's tokens are still accepted (ended sessions stay ended in this front end's memory).</summary>
    public async Task<bool> IsActiveAsync(string sessionId)
    {
        var now = clock.UtcNow;
        if (_checked.TryGetValue(sessionId, out var known) && now < known.Until)
        {
            return known.Active;
        }

        var active = await grains.GetGrain<ISignInSessionGrain>(sessionId).IsActive();
        _checked[sessionId] = new Checked(active, active ? now + Options.RecheckInterval : DateTimeOffset.MaxValue);
        if (_checked.Count > 100_000)
        {
            foreach (var (id, entry) in _checked.Where(e => e.Value.Active && e.Value.Until <= now).ToList())
            {
                _checked.TryRemove(new KeyValuePair<string, Checked>(id, entry));
            }
        }

        return active;
    }

    private readonly record struct Checked(bool Active, DateTimeOffset Until);
}

public static class SignInSessionMiddleware
{
    /// <summary>
    /// After authentication: a control-room user's token or cookie counts only while its session is active; one of an
    /// ended session (or one without a session) is treated as no sign-in at all, so the API answers 401 and pages send
    /// the browser to the sign-in page. Device and gateway credentials have no session and are not affected.
    /// </summary>
    public static IApplicationBuilder UseSignInSessions(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var user = context.User;
        if (user.Identity is { IsAuthenticated: true } && Roles.All.Any(user.IsInRole))
        {
            var session = user.FindFirstValue(SignInSessions.SessionClaim);
            var sessions = context.RequestServices.GetRequiredService<SignInSessions>();
            if (session is null || !await sessions.IsActiveAsync(session))
            {
                if (user.Identity.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme)
                {
                    await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                }

                context.User = new ClaimsPrincipal(new ClaimsIdentity());
            }
        }

        await next();
    });
}
