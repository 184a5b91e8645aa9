using CityControl.Live;

namespace CityControl.Web.Live;

/// <summary>Keeps this host registered with the list of front ends that the live notifiers push to (re-registering every few seconds, as observers expire).</summary>
public sealed partial class LiveHubRegistration(IGrainFactory grains, LiveUpdateObserver observer, ILogger<LiveHubRegistration> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reference = grains.CreateObjectReference<ILiveUpdateObserver>(observer);
        var hub = grains.GetGrain<ILiveHubListGrain>(0);
        try
        {
            using var timer = new PeriodicTimer(Period);
            do
            {
                try
                {
                    await hub.Register(reference);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRegisterFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            try
            {
                await hub.Unregister(reference).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
            {
                LogRegisterFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register with the live hub")]
    private partial void LogRegisterFailed(Exception ex);
}
