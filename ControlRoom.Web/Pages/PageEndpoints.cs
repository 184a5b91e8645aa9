using System.Security.Claims;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace CityControl.Web.Pages;

/// <summary>The control room's pages: served by the app itself, each behind sign-in and its role.</summary>
public static class PageEndpoints
{
    public static IEndpointRouteBuilder MapPageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/login", () => Page("login.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/denied", () => Results.Redirect("/login?denied=1")).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/login", SignIn).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapPost("/logout", async (HttpContext context, SignInSessions sessions) =>
        {
            await sessions.SignOutAsync(context);
            return Results.Redirect("/login");
        }).ExcludeFromDescription();
        app.MapGet("/", () => Page("queue.html")).RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        app.MapGet("/map", () => Page("map.html")).RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        app.MapGet("/wall", () => Page("wall.html")).RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        app.MapGet("/traffic", () => Page("traffic.html")).RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        app.MapGet("/incidents/{id}", (string id) => Page("incident.html")).RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        app.MapGet("/incidents/{id}/replay", (string id) => Page("replay.html")).RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        app.MapGet("/history", () => Page("history.html")).RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        app.MapGet("/dispatch", () => Page("dispatch.html")).RequireAuthorization(Policies.Dispatch).ExcludeFromDescription();
        app.MapGet("/admin", () => Page("admin.html")).RequireAuthorization(Policies.Admin).ExcludeFromDescription();
        app.MapGet("/api/me", (ClaimsPrincipal user) => Results.Ok(new
        {
            name = user.FindFirstValue(ClaimTypes.NameIdentifier),
            displayName = user.Identity?.Name,
            roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray(),
        })).RequireAuthorization(Policies.Staff).WithTags("Authentication")
            .Produces<System.Text.Json.Nodes.JsonObject>()
            .WithSummary("Who is signed in: user name, display name and roles.");
        return app;
    }

    private static IResult Page(string name) =>
        Results.File(Path.Combine(AppContext.BaseDirectory, "Pages", name), "text/html; charset=utf-8");

    private static async Task<IResult> SignIn(HttpContext context, UserDirectory users, SignInThrottle throttle, SignInSessions sessions)
    {
        var form = await context.Request.ReadFormAsync();
        var returnUrl = form["returnUrl"].ToString();
        var username = form["username"].ToString();
        var back = returnUrl.Length > 0 ? "&returnUrl=" + Uri.EscapeDataString(returnUrl) : "";
        var client = context.Connection.RemoteIpAddress;
        if (throttle.WaitFor(username, client) is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Redirect("/login?error=wait" + back);
        }

        var principal = users.SignIn(username, form["password"].ToString(), CookieAuthenticationDefaults.AuthenticationScheme);
        if (principal is null)
        {
            throttle.Failed(username, client);
            return Results.Redirect("/login?error=1" + back);
        }

        throttle.Succeeded(username);

        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, await sessions.StartAsync(principal));

        return Results.Redirect(IsLocalPath(returnUrl) ? returnUrl : "/");
    }

    /// <summary>
    /// Only paths of this site: a sign-in must never send the user elsewhere. Browsers read "//host" and "/\host" as
    /// another site, and drop tabs and line breaks inside a URL, so those are refused too.
    /// </summary>
    public static bool IsLocalPath(string url) =>
        url.Length > 0 && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);
}
