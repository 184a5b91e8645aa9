using Microsoft.Extensions.DependencyInjection.Extensions;
using CityControl.Security;
using CityControl.Web.Api;
using CityControl.Web.Hosting;
using CityControl.Web.Live;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using CityControl.ServiceDefaults;
using CityControl.Storage.DataProtection;
using Microsoft.AspNetCore.DataProtection;

namespace CityControl.Web.Security;

/// <summary>Control-room sign-in (cookie for pages, bearer tokens for the API and the hub), device ingest credentials, and the role policies.</summary>
public static class ControlRoomAuthFeature
{
    /// <summary>Requests with a bearer token (header, or query string on the hub) use it; the rest use the sign-in cookie.</summary>
    private const string PlatformScheme = "citycontrol";

    /// <summary>The blob container of the sign-in key ring.</summary>
    public const string KeyRingContainer = "signin-keys";

    public static WebApplicationBuilder AddControlRoomAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<UserOptions>().Bind(builder.Configuration.GetSection(UserOptions.Section))
            .Validate(o => !UserDirectory.Validate(o).Any(), "CityControl:Users is invalid: an unknown role or a user without PasswordHash")
            .ValidateOnStart();
        services.AddSingleton<UserDirectory>();
        services.AddOptions<SignInThrottleOptions>().Bind(builder.Configuration.GetSection(SignInThrottleOptions.Section))
            .Validate(o => o.FreeFailures >= 1 && o.FreeFailuresPerAddress >= o.FreeFailures && o.Window > TimeSpan.Zero && o.FirstDelay > TimeSpan.Zero && o.MaxDelay >= o.FirstDelay,
                "CityControl:SignIn: FreeFailures must be at least 1 and FreeFailuresPerAddress at least as many, Window and FirstDelay positive, MaxDelay at least FirstDelay")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SignInThrottle>();
        services.AddOptions<SignInSessionOptions>().Bind(builder.Configuration.GetSection(SignInSessionOptions.Section))
            .Validate(o => o.AccessTokenLifetime > TimeSpan.Zero && o.SessionLifetime >= o.AccessTokenLifetime && o.RecheckInterval >= TimeSpan.Zero,
                "CityControl:Sessions: AccessTokenLifetime must be positive, SessionLifetime at least as long, RecheckInterval not negative")
            .ValidateOnStart();
        services.AddSingleton<SignInSessions>();
        var sessions = builder.Configuration.GetSection(SignInSessionOptions.Section).Get<SignInSessionOptions>() ?? new SignInSessionOptions();

        // The key ring that signs cookies and tokens: in the storage account, so that every front end honours every
        // other's sign-ins; on the local disk only when storage is in memory (tests and benchmarks of one process).
        var keys = services.AddDataProtection().SetApplicationName("citycontrol");
        if (builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() is not { Mode: StorageMode.Memory })
        {
            keys.PersistKeysToBlobContainer(KeyRingContainer);
        }
        else
        {
            var dataDirectory = builder.Configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>()?.DataDirectory ?? ".data";
            keys.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        }

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
                o.BearerTokenExpiration = sessions.AccessTokenLifetime;
                o.RefreshTokenExpiration = sessions.SessionLifetime;

                // Browsers cannot set headers on WebSockets: the hub takes the token from the query string, as SignalR sends it.
                o.Events.OnMessageReceived = context =>
                {
                    if (context.HttpContext.Request.Path.StartsWithSegments(ControlRoomHub.Path)
                        && context.Request.Query["access_token"] is [{ Length: > 0 } token])
                    {
                        context.Token = token;
                    }
                    else if (context.Request.Headers.Authorization.ToString() is { Length: > 7 } header
                        && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                    {
                        // The scheme's name is case-insensitive (RFC 9110, 11.1): "bearer" is as good as "Bearer".
                        context.Token = header[7..].Trim();
                    }

                    return Task.CompletedTask;
                };
            })
            .AddScheme<AuthenticationSchemeOptions, IngestAuthenticationHandler>(IngestAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IngestCredentials>();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Staff, p => p.RequireRole(Roles.All.ToArray()))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Dispatch, p => p.RequireRole(Roles.Operator, Roles.PoliceDispatcher, Roles.FireDispatcher))
            .AddPolicy(Policies.CapImport, p => p.RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.GrantVideo, p => p.RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.DeviceControl, p => p.RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.Ingest, p => p.AddAuthenticationSchemes(IngestAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        return builder;
    }

    public static IEndpointRouteBuilder MapControlRoomAuth(this IEndpointRouteBuilder app) => app.MapAuthEndpoints();

    /// <summary>Every 401 says how to authenticate (RFC 9110, 11.6.1): Basic for ingest, Bearer for the API and the hub.</summary>
    public static IApplicationBuilder UseChallengeHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            if (context.Response.StatusCode == StatusCodes.Status401Unauthorized && !context.Response.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.WWWAuthenticate))
            {
                context.Response.Headers.WWWAuthenticate = context.Request.Path.StartsWithSegments("/api/telemetry")
                    ? "Basic realm=\"citycontrol-ingest\", charset=\"UTF-8\""
                    : "Bearer realm=\"citycontrol\"";
            }

            return Task.CompletedTask;
        });
        return next();
    });

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
