using System.Text.Json;
using CityControl.Devices;
using CityControl.Video;
using CityControl.Video.Cli;
using Microsoft.Extensions.Options;
using CityControl.Web.Hosting;
using CityControl.Rules.Security;

namespace CityControl.Web.Demo;

/// <summary>Onboards the demo district once at start-up; devices that already exist are left as they are.</summary>
public sealed partial class DemoCitySeeder(IGrainFactory grains, IOptions<DemoOptions> options, ILogger<DemoCitySeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Seed)
        {
            return;
        }

        var created = 0;
        foreach (var device in DemoCity.Devices)
        {
            var grain = grains.GetDevice(device.Kind, device.Id);
            if (await grain.GetSnapshot() is null)
            {
                await grain.Onboard(device, CredentialHashes.Hash(CredentialHashes.NewSecret()));
                await grain.Update(new DeviceUpdate(Status: LifecycleStatus.Active), "demo-seeder");
                created++;
            }
        }

        LogSeeded(created, DemoCity.Devices.Length);
        if (options.Value.VideoFolder is { Length: > 0 } folder)
        {
            await AttachVideo(folder);
        }
    }

    /// <summary>Points the demo video cameras that have no stream yet at their clip, with its sample analytics settings.</summary>
    private async Task AttachVideo(string folder)
    {
        foreach (var (id, (clip, settings)) in DemoCity.VideoCameras)
        {
            var path = Path.GetFullPath(Path.Combine(folder, clip));
            var camera = grains.GetGrain<ICameraGrain>(id);
            if (!File.Exists(path) || await camera.GetSnapshot() is not { Definition.Camera: { StreamUrl: null } settingsNow })
            {
                continue;
            }

            await camera.Update(new DeviceUpdate(Camera: settingsNow with { StreamUrl = new Uri(path).AbsoluteUri }), "demo-seeder");
            if (settings is not null)
            {
                var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Samples", settings));
                await camera.SetAnalytics(JsonSerializer.Deserialize<CameraAnalyticsConfig>(json, AnalyzeCommand.Json)!, "demo-seeder");
            }

            LogVideo(id, clip);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo city: camera {CameraId} plays {Clip} as its stream")]
    private partial void LogVideo(string cameraId, string clip);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo city: onboarded {Created} of {Total} devices (the rest existed)")]
    private partial void LogSeeded(int created, int total);
}
