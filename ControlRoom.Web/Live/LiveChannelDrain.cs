using Microsoft.AspNetCore.SignalR;

namespace CityControl.Web.Live;

/// <summary>Sent to every connected screen when this front end stops: why, and how soon to try connecting again.</summary>
public sealed record ReconnectHint(string Reason, int AfterSeconds);

/// <summary>
/// When this front end begins to stop, before its connections are closed, it tells every connected screen to
/// reconnect (to another front end behind the load balancer, or to this one once it is back), so that a stop reads as
/// "reconnecting" on the wall rather than as a failure.
/// </summary>
public sealed partial class LiveChannelDrain(
    IHostApplicationLifetime lifetime,
    IHubContext<ControlRoomHub, IControlRoomClient> hub,
    ILogger<LiveChannelDrain> logger) : IHostedService
{
    public static readonly ReconnectHint Stopping = new("this front end is stopping", 2);

    /// <summary>How long a stop waits after the hint is sent before connections may close.</summary>
    public static readonly TimeSpan SendGrace = TimeSpan.FromMilliseconds(500);

    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            try
            {
                // Bounded: a stop must not wait on a slow client (5 s: a busy machine is slow to send to many). A sent
                // hint is only in each connection's buffer: the grace lets the transports put it on the wire before
                // the server closes the connections (without it a loaded machine closed some first).
                if (hub.Clients.All.Reconnect(Stopping).Wait(TimeSpan.FromSeconds(5)))
                {
                    Thread.Sleep(SendGrace);
                    LogHinted();
                }
                else
                {
                    LogHintSlow();
                }
            }
            catch (Exception ex) when (ex is AggregateException or InvalidOperationException or ObjectDisposedException)
            {
                LogHintFailed(ex);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Told the connected screens to reconnect: this front end is stopping")]
    private partial void LogHinted();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the connected screens to reconnect took longer than 5 s; closing their connections anyway")]
    private partial void LogHintSlow();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the connected screens to reconnect")]
    private partial void LogHintFailed(Exception ex);
}
