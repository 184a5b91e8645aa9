using CityControl.Devices;
using Microsoft.Extensions.Options;
using CityControl.Web.Hosting;

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
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo city: onboarded {Created} of {Total} devices (the rest existed)")]
    private partial void LogSeeded(int created, int total);
}
