using System.Collections.Immutable;
using CityControl.Video;
using Microsoft.Extensions.DependencyInjection;

namespace CityControl.Tests.Infrastructure;

/// <summary>A video worker as the partitions see it, running some cameras and showing a fixed frame for each.</summary>
public sealed class FrameWorker(IReadOnlySet<string> cameraIds, IReadOnlyList<byte[]> frames) : IVideoWorkerObserver, IAsyncDisposable
{
    private readonly List<IVideoCameraPartitionGrain> _partitions = [];
    private int _served;

    /// <summary>What the cameras' live views answer (bytes a browser can draw when a page test needs it).</summary>
    public byte[] Frame { get; } = frames[0];

    public string Id { get; } = "test-worker-" + Guid.NewGuid().ToString("N")[..6];

    public static Task<FrameWorker> StartAsync(InProcessPlatform platform, string cameraId, byte[]? frame = null) =>
        StartAsync(platform, [cameraId], frame);

    /// <summary>Registers with the partitions of the cameras (the only worker there, so it is given every camera of them).</summary>
    public static Task<FrameWorker> StartAsync(InProcessPlatform platform, IReadOnlyList<string> cameraIds, byte[]? frame = null) =>
        StartAsync(platform, cameraIds, [frame ?? [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9]]);

    /// <summary>As above, the live views taking the frames in turn (a picture that moves).</summary>
    public static async Task<FrameWorker> StartAsync(InProcessPlatform platform, IReadOnlyList<string> cameraIds, IReadOnlyList<byte[]> frames)
    {
        var grains = platform.Services.GetRequiredService<IGrainFactory>();
        var worker = new FrameWorker(cameraIds.ToHashSet(StringComparer.Ordinal), frames);
        var self = grains.CreateObjectReference<IVideoWorkerObserver>(worker);
        foreach (var partition in cameraIds.Select(VideoPartitions.Of).Distinct())
        {
            var grain = grains.GetGrain<IVideoCameraPartitionGrain>(partition);
            await grain.Register(worker.Id, self);
            worker._partitions.Add(grain);
        }

        return worker;
    }

    public Task Assigned(int partition, long setVersion, ImmutableArray<CameraStream> cameras) => Task.CompletedTask;

    public Task<LiveView?> GetLiveView(string cameraId) =>
        Task.FromResult(cameraIds.Contains(cameraId) ? new LiveView(frames[Interlocked.Increment(ref _served) % frames.Count], DateTimeOffset.UtcNow, 4, 3) : null);

    public Task<ImmutableArray<PipelineStatus>> GetPipelines(int partition) => Task.FromResult(ImmutableArray<PipelineStatus>.Empty);

    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _partitions)
        {
            await partition.Unregister(Id);
        }
    }
}
