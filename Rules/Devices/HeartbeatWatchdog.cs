using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>Decides whether a device is online from when it last reported.</summary>
public static class HeartbeatWatchdog
{
    /// <summary>
    /// Online until the device has been silent for longer than its heartbeat interval, or its session was lost (a Last
    /// Will) with nothing heard from it since; unknown before its first report.
    /// </summary>
    public static Connectivity Evaluate(DateTimeOffset? lastSeen, TimeSpan heartbeatInterval, DateTimeOffset now, DateTimeOffset? sessionLostAt = null) =>
        lastSeen is not { } seen ? Connectivity.Unknown
        : sessionLostAt is { } lost && lost >= seen ? Connectivity.Offline
        : now - seen > heartbeatInterval ? Connectivity.Offline
        : Connectivity.Online;

    /// <summary>How often the watchdog looks: Orleans reminders tick at most once a minute.</summary>
    public static TimeSpan CheckPeriod(TimeSpan heartbeatInterval) =>
        heartbeatInterval < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : heartbeatInterval;
}
