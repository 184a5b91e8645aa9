using System.Collections.Immutable;
using Orleans.Concurrency;

namespace CityControl.Video;

/// <summary>What a video worker needs to run a camera's pipeline: its stream address and analytics settings, and their version.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.camera-stream.v1")]
public sealed record class CameraStream(
    [property: Id(0)] string CameraId,
    [property: Id(1)] string Address,
    [property: Id(2)] CameraAnalyticsConfig Analytics,
    [property: Id(3)] long Version);

/// <summary>Which worker runs a camera (null while no worker is registered).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.camera-assignment.v1")]
public sealed record class CameraAssignment(
    [property: Id(0)] string CameraId,
    [property: Id(1)] string? WorkerId,
    [property: Id(2)] long Version);

/// <summary>A video worker's receiver of the cameras it is to run.</summary>
public interface IVideoWorkerObserver : IGrainObserver
{
    /// <summary>Every camera of the partition this worker is to run now, replacing what the partition gave it before.</summary>
    [OneWay]
    Task Assigned(int partition, long setVersion, ImmutableArray<CameraStream> cameras);
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

    Task<ImmutableArray<CameraAssignment>> Assignments();
}

/// <summary>How cameras are spread over the partitions: fixed for the life of a deployment.</summary>
public static class VideoPartitions
{
    public const int Count = 16;

    public static int Of(string cameraId) => (int)(Devices.PartitionHash.Fnv1a(cameraId) % Count);

    public static IVideoCameraPartitionGrain GetVideoPartitionFor(this IGrainFactory factory, string cameraId) =>
        factory.GetGrain<IVideoCameraPartitionGrain>(Of(cameraId));
}
