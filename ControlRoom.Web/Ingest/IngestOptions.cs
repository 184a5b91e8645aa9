namespace CityControl.Web.Ingest;

public enum JournalMode
{
    /// <summary>Every accepted batch is appended to an append blob before the 202: a crash loses nothing that was acknowledged.</summary>
    Blob,

    /// <summary>No journal: what the grains have not checkpointed is lost in a crash. For memory-only runs (tests, benchmarks).</summary>
    None,
}

/// <summary>Limits and durability of the telemetry ingest path, from <c>CityControl:Ingest</c>.</summary>
public sealed class IngestOptions
{
    public const string Section = "CityControl:Ingest";

    public int MaxReadingsPerBatch { get; set; } = 5000;

    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How far ahead of this server's clock a reading's timestamp may be (device clocks drift).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a reading may be when it arrives (a gateway flushing its buffer after an outage).</summary>
    public TimeSpan MaxReadingAge { get; set; } = TimeSpan.FromDays(7);

    public JournalMode Journal { get; set; } = JournalMode.Blob;

    /// <summary>Names this writer's journal; each ingest host needs its own.</summary>
    public string JournalName { get; set; } = Environment.MachineName.ToLowerInvariant();

    /// <summary>
    /// How much of the journal's tail is replayed into the grains at start-up. It must exceed the device checkpoint
    /// interval plus the longest delivery: everything older is already in a checkpoint.
    /// </summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a front end's hold on its journal lasts without renewal (a blob lease, 15 to 60 s): when it dies, the
    /// other front ends of the service take its journal over this long after its last renewal.
    /// </summary>
    public TimeSpan JournalLease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a front end looks for journals whose writer is gone (and renews its own hold).</summary>
    public TimeSpan TakeoverScanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an ingest request waits for its readings to reach their devices once they are in the journal. Past it
    /// the request is answered (the readings are durable) and the delivery goes on; if it then fails, the journal's
    /// replay brings them. A delivery to a silo that was just killed waits for Orleans' response timeout (30 s): this
    /// keeps ingest answering meanwhile.
    /// </summary>
    public TimeSpan DeliveryWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an ingest request waits for what it needs before its journal write (its credential's check, its
    /// devices' directory entries). A grain on a silo that was just killed does not answer before Orleans' response
    /// timeout (30 s); past this the request is answered 503 with Retry-After, and the sender's retry finds the grain
    /// on a live silo.
    /// </summary>
    public TimeSpan LookupWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long after a loss in the cluster (a silo's gateway gone, a delivery unanswered) the journal's tail is replayed: time for the silos to declare the lost one dead.</summary>
    public TimeSpan LossReplayDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one append to the journal may take before the batch is refused (503): bounds a request while storage hangs.</summary>
    public TimeSpan JournalWriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>After a failed append, how long ingest refuses at once with 503 and this Retry-After, before trying storage again.</summary>
    public TimeSpan OutageRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Requests per second each ingest credential (a device or a gateway) may send on average, and how many at once
    /// above that (a burst after a gateway's outage); more are refused with 429 and Retry-After. 0 turns the limit off.
    /// </summary>
    public int RequestsPerSecondPerCredential { get; set; } = 2000;

    public int BurstPerCredential { get; set; } = 4000;

    /// <summary>How long device kind and district are cached for routing readings.</summary>
    public TimeSpan RoutingCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}
