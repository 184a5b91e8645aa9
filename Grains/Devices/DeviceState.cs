using CityControl.Alarms;
using CityControl.Video;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

/// <summary>What a device grain persists: written on meaningful change and at checkpoints, never per reading.</summary>
[GenerateSerializer, Alias("citycontrol.device-state.v1")]
public sealed class DeviceState
{
    [Id(0)] public DeviceDefinition? Definition { get; set; }
    [Id(1)] public LifecycleStatus Status { get; set; }
    [Id(2)] public string? CredentialHash { get; set; }
    [Id(3)] public DateTimeOffset? CredentialIssuedAt { get; set; }
    [Id(4)] public Connectivity Connectivity { get; set; }
    [Id(5)] public DateTimeOffset? LastSeen { get; set; }
    [Id(6)] public Dictionary<string, Reading> Latest { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Only in states written before the history moved to its store: appended there at the next checkpoint.</summary>
    [Id(7)] public List<Reading> History { get; set; } = [];
    [Id(8)] public LiveState Live { get; set; } = new();
    [Id(9)] public DateTimeOffset CreatedAt { get; set; }
    [Id(10)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(11)] public List<DeviceEvent> Events { get; set; } = [];
    [Id(12)] public AlarmRuleState Alarms { get; set; } = new();

    /// <summary>A camera's video analytics settings, null until an admin sets them.</summary>
    [Id(13)] public CameraAnalyticsConfig? Analytics { get; set; }

    /// <summary>A camera's recent video events, newest last.</summary>
    [Id(14)] public List<VideoEvent> VideoEvents { get; set; } = [];

    /// <summary>The revision of a camera's stream that its video partition holds; null while the partition holds none.</summary>
    [Id(17)] public long? VideoPartitionRevision { get; set; }

    /// <summary>A camera's access grants: active ones, and ended ones for <see cref="CameraGrain.GrantHistory"/>.</summary>
    [Id(18)] public List<VideoGrant> VideoGrants { get; set; } = [];

    /// <summary>When the device's session was last lost without a goodbye (its Last Will), until it is heard from again.</summary>
    [Id(19)] public DateTimeOffset? SessionLostAt { get; set; }

    /// <summary>Readings not yet in the history store, in arrival order: appended by the first checkpoint that finds <see cref="DeviceGrainOptions.HistoryBatch"/> of them.</summary>
    [Id(20)] public List<Reading> PendingHistory { get; set; } = [];

    /// <summary>The history store's generation the device appends to, and how many readings it holds (see <see cref="IReadingHistoryStore"/>).</summary>
    [Id(21)] public long HistoryGeneration { get; set; }

    [Id(22)] public int HistoryGenerationCount { get; set; }

    /// <summary>A flood gauge's water levels of the last quarter hour, in time order: what its trend is fitted to.</summary>
    [Id(23)] public List<Reading> RecentLevels { get; set; } = [];

    /// <summary>Counts changes to the definition and settings: what others run from them compare it, not times.</summary>
    [Id(16)] public long SettingsRevision { get; set; }
}

/// <summary>Settings of every device grain, from the section <c>CityControl:Devices</c>.</summary>
public sealed class DeviceGrainOptions
{
    public const string Section = "CityControl:Devices";

    /// <summary>How long readings may sit in memory only before the grain checkpoints them (they are in the ingest journal meanwhile).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many recent readings a device's history holds (in the history store; an activation holds only those since its last checkpoint).</summary>
    public int HistoryLength { get; set; } = 100;

    /// <summary>
    /// How many readings a device gathers in its state before a checkpoint appends them to its history store: fewer
    /// wait in the state (written with it anyway), so a device that reports once a minute costs one storage write per
    /// checkpoint, not two.
    /// </summary>
    public int HistoryBatch { get; set; } = 25;

    /// <summary>How many recent device events a device keeps in its state.</summary>
    public int EventHistoryLength { get; set; } = 50;
}
