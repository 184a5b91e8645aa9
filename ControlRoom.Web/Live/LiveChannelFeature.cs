using CityControl.Web.Hosting;

namespace CityControl.Web.Live;

/// <summary>The control room's live channel: a SignalR hub fed by this host's observer of the live feed grains.</summary>
public static class LiveChannelFeature
{
    public static WebApplicationBuilder AddLiveChannel(this WebApplicationBuilder builder)
    {
        // A screen must learn soon that its network went quiet (a pulled cable closes nothing): the hub pings every 3 s
        // and the page gives up on a silent hub after 8 s. The hub waits 30 s (the default) for a silent client: other
        // SignalR clients ping every 15 s by default, and a shorter wait would drop them.
        builder.Services.AddSignalR(o => o.KeepAliveInterval = TimeSpan.FromSeconds(3)).AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions));
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
