using CityControl.Web.Hosting;
using Microsoft.AspNetCore.Builder;

using CityControl.Testing;

namespace CityControl.Tests.Infrastructure;

/// <summary>The real platform host (silo, ingest, HTTP API) in this process, on a loopback port.</summary>
public sealed class InProcessPlatform : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessPlatform(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Api = new PlatformApi(baseAddress);
    }

    public Uri BaseAddress { get; }

    public PlatformApi Api { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<InProcessPlatform> StartAsync(Dictionary<string, string> settings)
    {
        var app = PlatformApp.Build(PlatformSettings.ToArgs(settings));
        await app.StartAsync();
        return new InProcessPlatform(app, new Uri(settings["urls"]));
    }

    /// <summary>A graceful stop: grains deactivate and write what they hold.</summary>
    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
