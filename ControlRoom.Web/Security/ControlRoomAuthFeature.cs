using CityControl.Security;
using CityControl.Web.Api;
using CityControl.Web.Hosting;
using CityControl.Web.Live;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace CityControl.Web.Security;

/// <summary>Control-room sign-in (cookie for pages, bearer tokens for the API and the hub), device ingest credentials, and the role policies.</summary>
public static class ControlRoomAuthFeature
{
    /// <summary>Requests with a bearer token (header, or query string on the hub) use it; the rest use the sign-in cookie.</summary>
    private const string PlatformScheme = "citycontrol";

    public static WebApplicationBuilder AddControlRoomAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<UserOptions>().Bind(builder.Configuration.GetSection(UserOptions.Section))
            .Validate(o => !UserDirectory.Validate(o).Any(), "CityControl:Users is invalid: an unknown role or a user without PasswordHash")
            .ValidateOnStart();
        services.AddSingleton<UserDirectory>();

        var dataDirectory = builder.Configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>()?.DataDirectory ?? ".data";
        services.AddDataProtection()
            .SetApplicationName("citycontrol")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));

        services.AddAuthentication(PlatformScheme)
            .AddPolicyScheme(PlatformScheme, "Bearer token or sign-in cookie", o => o.ForwardDefaultSelector = SelectScheme)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/denied";
                o.Cookie.Name = "citycontrol";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;

                // Pages send the browser to the sign-in page; the API and the hub answer 401 and 403.
                o.Events.OnRedirectToLogin = context => Refuse(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden);
            })
            .AddBearerToken(BearerTokenDefaults.AuthenticationScheme, o =>
            {
                o.BearerTokenExpiration = TimeSpan.FromHours(12);

                // Browsers cannot set headers on WebSockets: the hub takes the token from the query string, as SignalR sends it.
                o.Events.OnMessageReceived = context =>
                {
                    if (context.HttpContext.Request.Path.StartsWithSegments(ControlRoomHub.Path)
                        && context.Request.Query["access_token"] is [{ Length: > 0 } token])
                    {
                        context.Token = token;
                    }

                    return Task.CompletedTask;
                };
            })
            .AddScheme<AuthenticationSchemeOptions, IngestAuthenticationHandler>(IngestAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Staff, p => p.RequireRole(Roles.All.ToArray()))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Dispatch, p => p.RequireRole(Roles.Operator, Roles.PoliceDispatcher, Roles.FireDispatcher))
            .AddPolicy(Policies.CapImport, p => p.RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.Ingest, p => p.AddAuthenticationSchemes(IngestAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        return builder;
    }

    public static IEndpointRouteBuilder MapControlRoomAuth(this IEndpointRouteBuilder app) => app.MapAuthEndpoints();

    private static string SelectScheme(HttpContext context) =>
        context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || (context.Request.Path.StartsWithSegments(ControlRoomHub.Path) && context.Request.Query.ContainsKey("access_token"))
            ? BearerTokenDefaults.AuthenticationScheme
            : CookieAuthenticationDefaults.AuthenticationScheme;

    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments(ControlRoomHub.Path))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
