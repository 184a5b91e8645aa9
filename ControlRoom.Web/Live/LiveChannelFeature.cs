using CityControl.Web.Hosting;

namespace CityControl.Web.Live;

/// <summary>The control room's live channel: a SignalR hub fed by this host's observer of the live feed grains.</summary>
public static class LiveChannelFeature
{
    public static WebApplicationBuilder AddLiveChannel(this WebApplicationBuilder builder)
    {
        // A screen must learn soon that its network went quiet (a pulled cable closes nothing): the hub pings every 3 s,
        // the page gives up on a silent hub after 8 s and pings every 5 s itself, so the hub drops a silent page after 15 s.
        builder.Services.AddSignalR(o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(3);
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(15);
        }).AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions));
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
