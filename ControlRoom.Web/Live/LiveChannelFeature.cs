using CityControl.Web.Hosting;

namespace CityControl.Web.Live;

/// <summary>The control room's live channel: a SignalR hub fed by this host's observer of the live feed grains.</summary>
public static class LiveChannelFeature
{
    public static WebApplicationBuilder AddLiveChannel(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR().AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions));
        builder.Services.AddSingleton<LiveSequences>();
        builder.Services.AddSingleton<LiveUpdateObserver>();
        builder.Services.AddHostedService<LiveHubRegistration>();
        builder.Services.AddHostedService<LiveChannelDrain>();
        builder.Services.AddSingleton<StorageWatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StorageWatch>());
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveChannel(this IEndpointRouteBuilder app)
    {
        app.MapHub<ControlRoomHub>(ControlRoomHub.Path);
        return app;
    }
}
