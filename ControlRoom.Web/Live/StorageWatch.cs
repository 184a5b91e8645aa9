using CityControl.Rules;
using CityControl.ServiceDefaults;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityControl.Web.Live;

/// <summary>Whether the storage account answers, as the screens are told: since when, and why not.</summary>
public sealed record PlatformStatus(bool StorageUp, DateTimeOffset Since, string Detail);

/// <summary>
/// Watches the storage account (the health check every <see cref="Interval"/>: nothing else would say that it is
/// gone while no one writes) and tells every connected screen when it goes away and when it is back. While it is
/// away, changes cannot be saved or published, so a screen may show an out-of-date picture: it says so, and takes a
/// fresh snapshot when storage returns.
/// </summary>
public sealed partial class StorageWatch(
    HealthCheckService health,
    IHubContext<ControlRoomHub, IControlRoomClient> hub,
    CityClock clock,
    ILogger<StorageWatch> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>The last status seen; null before the first check, or where storage is in memory.</summary>
    public PlatformStatus? Current { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock.Time);
        do
        {
            var report = await health.CheckHealthAsync(r => r.Name == StorageHealthCheck.Name, stoppingToken);
            if (!report.Entries.TryGetValue(StorageHealthCheck.Name, out var entry))
            {
                return;
            }

            var up = entry.Status == HealthStatus.Healthy;
            if (Current?.StorageUp != up)
            {
                var first = Current is null;
                Current = new PlatformStatus(up, clock.UtcNow, up ? "storage answers" : entry.Description ?? "storage does not answer");
                if (!first || !up)
                {
                    LogChanged(up);
                    await hub.Clients.All.Platform(Current);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage up: {Up}; the screens are told")]
    private partial void LogChanged(bool up);
}
