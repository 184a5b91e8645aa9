namespace CityControl;

/// <summary>
/// Names that the silo's configuration and the grains must agree on. Stored data is found by these names: never rename
/// one in a running deployment.
/// </summary>
public static class StorageNames
{
    /// <summary>The grain storage every CityControl grain keeps its state in.</summary>
    public const string GrainState = "devices";

    /// <summary>Orleans' stream subscriptions (its fixed provider name).</summary>
    public const string PubSub = "PubSubStore";

    /// <summary>Blob containers behind them on Azure Storage.</summary>
    public const string GrainStateContainer = "grain-state";
    public const string PubSubContainer = "pubsub-state";

    /// <summary>Devices' recent readings (see <c>IReadingHistoryStore</c>).</summary>
    public const string HistoryContainer = "device-history";
}

/// <summary>The event streams: one provider, one stream per district in each namespace.</summary>
public static class StreamNames
{
    public const string Provider = "events";

    /// <summary>Device events (<c>DeviceEvent</c>) keyed by district.</summary>
    public const string DeviceEvents = "device-events";

    /// <summary>Incident events (<c>IncidentEvent</c>) keyed by district.</summary>
    public const string IncidentEvents = "incident-events";
}

/// <summary>The platform's own metrics: one meter, exported by every host next to ASP.NET Core's, the runtime's and Orleans'.</summary>
public static class PlatformMetrics
{
    public const string Meter = "CityControl";
}
