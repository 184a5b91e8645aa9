using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Blobs;
using CityControl.Devices;
using CityControl.Silo;
using CityControl.Video.Evidence;
using CityControl.Video.Hosting;
using CityControl.Video.Live;
using CityControl.Web.Api;
using CityControl.Web.Demo;
using CityControl.Web.Devices;
using CityControl.Web.Ingest;
using CityControl.Web.Live;
using CityControl.Security;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using CityControl.Web.Pages;
using CityControl.Web.Map;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Hosting;

public static class PlatformHosting
{
    /// <summary>Everything the platform host needs: the co-hosted silo, ingest, authentication, the HTTP API and the demo city.</summary>
    public static WebApplicationBuilder AddCityControlPlatform(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        builder.UseOrleans(silo => silo.ConfigureCityControl(configuration));

        services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddOpenApi();
        services.AddMemoryCache();

        services.AddOptions<PlatformOptions>().Bind(configuration.GetSection(PlatformOptions.Section));
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.Section));
        services.AddOptions<MapOptions>().Bind(configuration.GetSection(MapOptions.Section))
            .Validate(o => o.DistrictMarginMeters is > 0 and <= 5000, "CityControl:Map:DistrictMarginMeters must be more than 0 and at most 5000")
            .ValidateOnStart();
        services.AddOptions<CapOptions>().Bind(configuration.GetSection(CapOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Sender) && !o.Sender.Contains(' ', StringComparison.Ordinal) && !o.Sender.Contains(',', StringComparison.Ordinal), "CityControl:Cap:Sender must be a non-empty name without spaces or commas (CAP 1.2)")
            .ValidateOnStart();
        services.AddOptions<UserOptions>().Bind(configuration.GetSection(UserOptions.Section))
            .Validate(o => !UserDirectory.Validate(o).Any(), "CityControl:Users is invalid: an unknown role or a user without PasswordHash")
            .ValidateOnStart();
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section))
            .Validate(o => o.MaxReadingsPerBatch is >= 1 and <= 20_000, "CityControl:Ingest:MaxReadingsPerBatch must be between 1 and 20000 (a batch is one journal block of at most 4 MiB)")
            .Validate(o => o.ReplayWindow > TimeSpan.Zero, "CityControl:Ingest:ReplayWindow must be positive")
            .Validate(o => !string.IsNullOrWhiteSpace(o.JournalName) && !o.JournalName.Contains('/', StringComparison.Ordinal), "CityControl:Ingest:JournalName must be a non-empty name without '/'")
            .ValidateOnStart();

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var ingest = configuration.GetSection(IngestOptions.Section).Get<IngestOptions>() ?? new IngestOptions();
        var healthChecks = services.AddHealthChecks().AddCheck<OrleansHealthCheck>("orleans");
        if (storage.Mode == StorageMode.AzureStorage)
        {
            services.AddSingleton(new BlobServiceClient(storage.ConnectionString));
            healthChecks.AddCheck<StorageHealthCheck>("storage");
        }

        if (ingest.Journal == JournalMode.Blob)
        {
            if (storage.Mode != StorageMode.AzureStorage)
            {
                throw new OptionsValidationException(IngestOptions.Section, typeof(IngestOptions),
                    ["CityControl:Ingest:Journal is Blob but CityControl:Storage:Mode is Memory: set Journal to None for a memory-only run"]);
            }

            services.AddSingleton<IIngestJournal>(sp => ActivatorUtilities.CreateInstance<BlobIngestJournal>(sp, TimeProvider.System));
        }
        else
        {
            services.AddSingleton<IIngestJournal, NoIngestJournal>();
        }

        healthChecks.AddCheck<JournalReplayHealthCheck>("ingest-journal");

        services.AddSignalR().AddJsonProtocol(o => Configure(o.PayloadSerializerOptions));
        services.AddSingleton<LiveSequences>();
        services.AddSingleton<LiveUpdateObserver>();
        services.AddHostedService<LiveHubRegistration>();

        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.Section))
            .Validate(o => o.InitialBackoff > TimeSpan.Zero && o.MaxBackoff >= o.InitialBackoff, "CityControl:Video:InitialBackoff must be positive and MaxBackoff at least as long")
            .Validate(o => o.PreRollSeconds is >= 0 and <= 30 && o.PostRollSeconds is >= 0 and <= 30, "CityControl:Video:PreRollSeconds and PostRollSeconds must be between 0 and 30")
            .Validate(o => o.Ffmpeg.StallTimeout >= TimeSpan.FromSeconds(1), "CityControl:Video:Ffmpeg:StallTimeout must be at least 1 second")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IVideoEventSink, GrainVideoEventSink>();
        if (storage.Mode == StorageMode.AzureStorage)
        {
            services.AddSingleton(sp => new BlobEvidenceStore(sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<IOptions<PipelineOptions>>().Value.EvidenceContainer));
            services.AddSingleton<IEvidenceStore>(sp => sp.GetRequiredService<BlobEvidenceStore>());
        }

        services.AddSingleton<DeviceRoutingCache>();
        services.AddSingleton<IngestService>();
        services.AddSingleton<DeviceImporter>();
        services.AddSingleton<UserDirectory>();

        // Hosted services start in this order, after the silo: replay the journal, then seed, then simulate.
        services.AddSingleton<JournalReplayService>();
        services.AddHostedService(sp => sp.GetRequiredService<JournalReplayService>());
        services.AddHostedService<DemoCitySeeder>();
        services.AddHostedService<DemoCitySimulator>();
        services.AddSingleton<CameraPipelineHost>();
        services.AddHostedService(sp => sp.GetRequiredService<CameraPipelineHost>());

        var dataDirectory = configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>()?.DataDirectory ?? ".data";
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

    public static WebApplication MapCityControlPlatform(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = HealthResponse.Write });
        app.MapAuthEndpoints();
        app.MapDeviceEndpoints();
        app.MapGatewayEndpoints();
        app.MapTelemetryEndpoints();
        app.MapIncidentEndpoints();
        app.MapVideoEndpoints();
        app.MapCapEndpoints();
        app.MapAlarmRateEndpoints();
        app.MapStaticAssets();
        app.MapHub<ControlRoomHub>(ControlRoomHub.Path);
        app.MapPageEndpoints();
        app.MapMapEndpoints();
        app.MapTrafficEndpoints();
        app.MapLabelEndpoints();
        return app;
    }

    /// <summary>Requests with a bearer token (header, or query string on the hub) use it; the rest use the sign-in cookie.</summary>
    private const string PlatformScheme = "citycontrol";

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

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
