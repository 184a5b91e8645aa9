using System.ComponentModel.DataAnnotations;

namespace CityControl.Silo;

/// <summary>The silo's identity and endpoints, from <c>CityControl:Silo</c>.</summary>
public sealed class SiloOptions
{
    public const string Section = "CityControl:Silo";

    [Required]
    public string ClusterId { get; set; } = "citycontrol";

    [Required]
    public string ServiceId { get; set; } = "citycontrol";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one at; loopback for the single-machine default.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// How long a silo waits for another's answer to a liveness probe. With <see cref="MissedProbesLimit"/>, it sets
    /// how soon a crashed silo is declared dead and its grains come back elsewhere (Orleans' defaults, 5 s and 3, take
    /// 15-30 s; these take about 6-10 s, still tolerant of a busy two-core machine's pauses).
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(3);

    [Range(1, 10)]
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// In a Kubernetes pod (deploy/kubernetes): Orleans' Kubernetes hosting names the silo after its pod, takes the
    /// cluster and service ids from <c>ORLEANS_CLUSTER_ID</c> and <c>ORLEANS_SERVICE_ID</c> (the manifest sets them from
    /// the pod's labels), and watches the silo pods so that a deleted pod's silo is declared dead at once rather than
    /// after missed probes (it needs the pod permissions the manifest's Role gives).
    /// </summary>
    public bool Kubernetes { get; set; }
}

public enum StreamTransport
{
    /// <summary>Azure Storage queues: an event published survives the crash of any silo (the default on Azure Storage).</summary>
    AzureQueue,

    /// <summary>In the silos' memory: lost with the silo that holds the queue (memory storage, tests of grains alone).</summary>
    Memory,
}

/// <summary>The event streams (device and incident events), from <c>CityControl:Streams</c>.</summary>
public sealed class StreamOptions
{
    public const string Section = "CityControl:Streams";

    /// <summary>Azure Storage queues unless storage is in memory (then always memory).</summary>
    public StreamTransport Transport { get; set; } = StreamTransport.AzureQueue;

    /// <summary>Queues the events are spread over; each is read by one silo at a time, so more queues spread the reading over more silos.</summary>
    [Range(1, 64)]
    public int QueueCount { get; set; } = 4;

    /// <summary>How often each in-memory queue is read when it was empty: the delay an event may wait before its consumers see it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The same for the storage queues: each read is a request to the account, so less often (at 20 ms, four queues
    /// made 200 requests a second to Azurite while idle, a fifth of what it takes). Only the correlator waits for
    /// these events; screens hear changes from the grains directly.
    /// </summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}

