using System.Collections.Immutable;
using Orleans.Concurrency;

namespace CityControl.Video;

/// <summary>
/// What a video worker needs to run a camera's pipeline: its stream address and analytics settings, and their version.
/// <paramref name="Probe"/>: the camera's last worker died while running it, so the worker is to run it first in a
/// process of its own and report whether that process crashed (see <see cref="IVideoCameraPartitionGrain.ReportProbe"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.camera-stream.v1")]
public sealed record class CameraStream(
    [property: Id(0)] string CameraId,
    [property: Id(1)] string Address,
    [property: Id(2)] CameraAnalyticsConfig Analytics,
    [property: Id(3)] long Version,
    [property: Id(4)] bool Probe = false);

/// <summary>How a camera's probe ended: whether its process crashed, and what it said (exit status, last output).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.camera-probe-outcome.v1")]
public sealed record class ProbeOutcome(
    [property: Id(0)] bool Crashed,
    [property: Id(1)] string Detail);

/// <summary>
/// Which worker runs a camera (null while no worker is registered, or while the camera is quarantined), whether it is
/// being probed, and until when it is quarantined with why.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.camera-assignment.v1")]
public sealed record class CameraAssignment(
    [property: Id(0)] string CameraId,
    [property: Id(1)] string? WorkerId,
    [property: Id(2)] long Version,
    [property: Id(3)] DateTimeOffset? QuarantinedUntil = null,
    [property: Id(4)] string? QuarantineReason = null,
    [property: Id(5)] bool Probing = false);

/// <summary>What a camera's pipeline has done so far, for health pages, tests and benchmarks.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.pipeline-status.v1")]
public sealed record class PipelineStatus(
    [property: Id(0)] string CameraId,
    [property: Id(1)] bool StreamUp,
    [property: Id(2)] long FramesRead,
    [property: Id(3)] long FramesAnalysed,
    [property: Id(4)] long FramesDropped,
    [property: Id(5)] int Reconnects,
    [property: Id(6)] string? LastError,
    [property: Id(7)] string? WorkerId = null,
    [property: Id(8)] string? Detector = null,
    [property: Id(9)] long FramesDetected = 0);

/// <summary>The newest annotated frame of a camera's pipeline, as JPEG.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.live-view.v1")]
public sealed record class LiveView(
    [property: Id(0)] byte[] Jpeg,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] int Width,
    [property: Id(3)] int Height);

/// <summary>
/// A video worker as the partitions see it: the receiver of the cameras it is to run, and the source of their live
/// views and pipeline states, which any front end reaches through the camera's partition.
/// </summary>
public interface IVideoWorkerObserver : IGrainObserver
{
    /// <summary>Every camera of the partition this worker is to run now, replacing what the partition gave it before.</summary>
    [OneWay]
    Task Assigned(int partition, long setVersion, ImmutableArray<CameraStream> cameras);

    /// <summary>The camera's newest frame, or null when this worker does not run it or has no frame yet.</summary>
    Task<LiveView?> GetLiveView(string cameraId);

    /// <summary>The pipelines this worker runs for the partition.</summary>
    Task<ImmutableArray<PipelineStatus>> GetPipelines(int partition);
}

/// <summary>
/// One of <see cref="VideoPartitions.Count"/> partitions of the cameras that have a stream: it keeps their stream
/// settings (pushed by the camera grains when they change) and divides them among the live video workers, pushing each
/// worker its share. Workers register every few seconds; one that stops is dropped and its cameras move to the others.
/// </summary>
public interface IVideoCameraPartitionGrain : IGrainWithIntegerKey
{
    /// <summary>Registers (or keeps alive) a worker; returns the version of the set it should run, so it can ask again if it missed one.</summary>
    Task<long> Register(string workerId, IVideoWorkerObserver worker);

    Task Unregister(string workerId);

    /// <summary>The cameras the worker is to run now, with the set's version.</summary>
    Task<(long Version, ImmutableArray<CameraStream> Cameras)> AssignedTo(string workerId);

    /// <summary>A camera's stream settings changed (or it gained a stream).</summary>
    Task Upsert(CameraStream camera);

    /// <summary>The camera has no stream any more (address removed, decommissioned).</summary>
    Task Remove(string cameraId);

    /// <summary>
    /// A worker's probe of a suspect camera ended: passed, the camera runs again as any other; crashed, it is
    /// quarantined (out of every share) and its grain told why. A report for another version of the camera is ignored.
    /// </summary>
    Task ReportProbe(string workerId, string cameraId, long version, ProbeOutcome outcome);

    Task<ImmutableArray<CameraAssignment>> Assignments();

    /// <summary>The camera's newest frame from the worker that runs it; null when none runs it, it has no frame yet, or the worker does not answer in time.</summary>
    [AlwaysInterleave]
    Task<LiveView?> GetLiveView(string cameraId);

    /// <summary>The pipelines of this partition's cameras, as each live worker reports them (a worker that does not answer in time is left out).</summary>
    [AlwaysInterleave]
    Task<ImmutableArray<PipelineStatus>> GetPipelines();
}

/// <summary>How cameras are spread over the partitions: fixed for the life of a deployment.</summary>
public static class VideoPartitions
{
    public const int Count = 16;

    public static int Of(string cameraId) => (int)(Devices.PartitionHash.Fnv1a(cameraId) % Count);

    public static IVideoCameraPartitionGrain GetVideoPartitionFor(this IGrainFactory factory, string cameraId) =>
        factory.GetGrain<IVideoCameraPartitionGrain>(Of(cameraId));
}
