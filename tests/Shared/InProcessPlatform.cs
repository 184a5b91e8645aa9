using CityControl.Devices;
using CityControl.Video;
using CityControl.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;
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

    /// <param name="clock">The platform's clock (CityClock) when a test moves time itself; the system clock otherwise.</param>
    /// <param name="services">More services for the host (and its co-hosted silo), e.g. a grain call filter that injects a fault.</param>
    public static async Task<InProcessPlatform> StartAsync(Dictionary<string, string> settings, TimeProvider? clock = null, Action<IServiceCollection>? services = null)
    {
        // The host shares the test run's process: a stop past its deadline must not end the run.
        var app = PlatformApp.Build([.. PlatformSettings.ToArgs(settings), "--CityControl:ExitPastShutdownDeadline=false"], builder =>
        {
            if (clock is not null)
            {
                builder.Services.AddSingleton(new CityControl.Rules.CityClock(clock));
            }

            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        return new InProcessPlatform(app, new Uri(settings["urls"]));
    }

    /// <summary>
    /// A police incident in <paramref name="district"/>: a person in a new camera's restricted zone, reported to the
    /// camera's grain as a video worker reports it. Tests use it as a sentinel that a police client must see.
    /// </summary>
    public async Task RaiseIntrusionAsync(string district)
    {
        var camera = "cam-" + Guid.NewGuid().ToString("N")[..10];
        await Api.OnboardAsync(TestDevices.Camera(camera, district, 37.5105, 126.9005, 90, 60, 100));
        await Services.GetRequiredService<IGrainFactory>().GetGrain<ICameraGrain>(camera).ReportVideoEvent(
            new VideoEvent(VideoEventType.Intrusion, 1, "gate", 1, [10, 10, 5, 12], 0.8, ObjectClass: ObjectClass.Person, At: DateTimeOffset.UtcNow));
    }

    /// <summary>A camera's entrance band counted a vehicle going in or out, reported to the camera's grain as a video worker reports it.</summary>
    public Task CountVehicleAsync(string camera, CountDirection direction, double seconds) =>
        Services.GetRequiredService<IGrainFactory>().GetGrain<ICameraGrain>(camera).ReportVideoEvent(
            new VideoEvent(VideoEventType.Count, seconds, "entrance", (int)seconds, [300, 200, 120, 160], 1, ObjectClass: ObjectClass.Vehicle, At: DateTimeOffset.UtcNow, Direction: direction));

    /// <summary>A graceful stop: grains deactivate and write what they hold.</summary>
    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
