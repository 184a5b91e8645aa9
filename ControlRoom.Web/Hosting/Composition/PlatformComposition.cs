using CityControl.Grains.Persistence;
using CityControl.Rules;
using Microsoft.Extensions.DependencyInjection.Extensions;
using CityControl.ServiceDefaults;
using CityControl.Silo;
using CityControl.Web.Api;
using CityControl.Web.Cap;
using CityControl.Web.Ingest;
using CityControl.Web.Live;
using CityControl.Web.Pages;
using CityControl.Web.Security;
using CityControl.Web.Video;
using Orleans.Dashboard;

namespace CityControl.Web.Hosting.Composition;

/// <summary>
/// The composition root of the platform host: the one place that co-hosts a silo (and so the only code in this assembly
/// that sees the Silo and Grains assemblies; an architecture test holds every other type to the grain interfaces).
/// Everything else is a feature that a front end adds to itself.
/// </summary>
public static class PlatformComposition
{
    /// <summary>Whether this front end is also a silo (the embedded default) or only a client of the cluster's silos.</summary>
    public const string CoHostSiloKey = "CityControl:CoHostSilo";

    public static WebApplicationBuilder AddCityControlPlatform(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults("citycontrol-web");
        var storage = builder.AddPlatformStorage();

        // Registered before the silo, so it stops after it: a clean stop is recorded once the grains have saved their state.
        builder.Services.AddHostedService<JournalCleanStopService>();
        if (builder.Configuration.GetValue(CoHostSiloKey, true))
        {
            // The embedded default: this process is a silo too (never a video worker: OpenCV runs in workers only).
            builder.Services.AddSingleton(sp =>
            {
                var ledger = sp.GetRequiredService<CheckpointLedger>();
                return new UnsavedStateProbe(
                    () => ledger.Lost,
                    () => $"{ledger.Dirty} grains with changes not yet written, {ledger.Unsaved} that could not write them at deactivation");
            });
            builder.UseOrleans(silo => silo.ConfigureCityControl(builder.Configuration));
        }
        else
        {
            // A front end of a cluster: an Orleans client of the silo hosts, finding them in the membership table. When
            // a silo's gateway drops, the grains it held come back elsewhere from their last saved state: the journal's
            // tail gives them what they had since.
            builder.AddClusterClient(storage, client =>
            {
                client.AddGatewayCountChangedHandler(sp => (_, e) =>
                {
                    if (e.NumberOfConnectedGateways < e.PreviousNumberOfConnectedGateways)
                    {
                        sp.GetRequiredService<JournalReplayService>().ClusterLost(
                            $"a silo's gateway dropped ({e.PreviousNumberOfConnectedGateways} -> {e.NumberOfConnectedGateways} connected)");
                    }
                });
                if (ClusterDashboardOptions.IsEnabled(builder.Configuration))
                {
                    client.AddDashboard();
                }
            });
        }

        builder.Services.TryAddSingleton(new CityClock(TimeProvider.System));

        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("orleans");
        builder.Services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
        builder.Services.AddOptions<PlatformOptions>().Bind(builder.Configuration.GetSection(PlatformOptions.Section));

        // Hosted services start in registration order, after the silo: the journal's replay first (ingest), then the rest.
        builder.AddIngest(storage)
            .AddControlRoomAuth()
            .AddControlRoomApi()
            .AddCap()
            .AddLiveChannel()
            .AddVideo(storage)
            .AddControlRoomPages();
        return builder;
    }

    public static WebApplication MapCityControlPlatform(this WebApplication app)
    {
        // A body over an endpoint's limit, or one the client broke off, is the client's error (413, 400), never a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseClusterUnavailableResponses();
        app.UseChallengeHeaders();
        app.UseAuthentication();
        app.UseSignInSessions();
        app.UseAuthorization();

        // After authorization, which has authenticated ingest credentials: limits are per credential.
        app.UseRateLimiter();
        app.MapDefaultEndpoints();

        // One root group, so that every endpoint's standard answers (401, 404, 429...) are declared after its own
        // conventions, for the OpenAPI document.
        var endpoints = app.MapGroup("");
        ((IEndpointConventionBuilder)endpoints).Finally(OpenApiConventions.AddStandardResponses);
        endpoints.MapControlRoomAuth();
        endpoints.MapControlRoomApi();
        endpoints.MapIngest();
        endpoints.MapVideo();
        endpoints.MapCap();
        endpoints.MapLiveChannel();
        endpoints.MapControlRoomPages();
        if (ClusterDashboardOptions.IsEnabled(app.Configuration))
        {
            // The silos' own view (members, activations, grain calls, reminders, logs): admins only.
            endpoints.MapOrleansDashboard(ClusterDashboardOptions.Path).RequireAuthorization(Policies.Admin).ExcludeFromDescription();
        }

        return app;
    }
}
