using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Rules;
using CityControl.Rules.Video;
using CityControl.Video;
using Microsoft.Extensions.Logging;

namespace CityControl.Grains.Video;

/// <summary>What a video partition keeps: the streams of its cameras, as their grains last pushed them.</summary>
[GenerateSerializer, Alias("citycontrol.video-partition-state.v1")]
public sealed class VideoPartitionState
{
    [Id(0)] public Dictionary<string, CameraStream> Cameras { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Divides one partition's cameras among the live video workers (rendezvous hashing) and pushes each worker its share
/// whenever that share changes: a camera's settings, a worker joining, a worker falling silent for
/// <see cref="WorkerExpiry"/> (its cameras then move to the others). Workers hold no lease of their own: the partition
/// decides, so two workers never run one camera once both have heard the same decision.
/// </summary>
public sealed partial class VideoCameraPartitionGrain(
    [PersistentState("video-partition", StorageNames.GrainState)] IPersistentState<VideoPartitionState> state,
    CityClock clock,
    ILogger<VideoCameraPartitionGrain> logger) : Grain, IVideoCameraPartitionGrain
{
    /// <summary>Workers register every 5 s; one silent for this long is taken as gone.</summary>
    public static readonly TimeSpan WorkerExpiry = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan ExpiryCheck = TimeSpan.FromSeconds(5);

    /// <summary>How long a front end's question (a live view, a pipeline's state) waits for a worker: a dead one costs no more.</summary>
    private static readonly TimeSpan WorkerAnswer = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, (IVideoWorkerObserver Observer, DateTimeOffset LastSeen)> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sent = new(StringComparer.Ordinal);

    private int Partition => (int)this.GetPrimaryKeyLong();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(static (grain, _) => grain.DropSilentWorkers(), this,
            new GrainTimerCreationOptions(ExpiryCheck, ExpiryCheck) { KeepAlive = false });
        return base.OnActivateAsync(cancellationToken);
    }

    public Task<long> Register(string workerId, IVideoWorkerObserver worker)
    {
        var known = _workers.ContainsKey(workerId);
        _workers[workerId] = (worker, clock.UtcNow);
        if (!known)
        {
            LogWorkerJoined(Partition, workerId);
        }

        // Another worker's silence is noticed here too, not only on the timer.
        if (!DropExpired() && !known)
        {
            PushChangedShares();
        }

        // Every change pushes every worker its share, so the version last sent is the one it should run.
        return Task.FromResult(_sent[workerId]);
    }

    public async Task Unregister(string workerId)
    {
        if (_workers.ContainsKey(workerId))
        {
            var cameras = CamerasOf(workerId);
            _workers.Remove(workerId);
            _sent.Remove(workerId);
            LogWorkerLeft(Partition, workerId);
            PushChangedShares();
            await ReportGap(cameras, $"video worker {workerId} stopped; the camera moves to another worker");
        }
    }

    public Task<(long Version, ImmutableArray<CameraStream> Cameras)> AssignedTo(string workerId) => Task.FromResult(SetOf(workerId));

    public async Task Upsert(CameraStream camera)
    {
        // Revisions only grow: an older or repeated push changes nothing.
        if (state.State.Cameras.TryGetValue(camera.CameraId, out var known) && known.Version >= camera.Version)
        {
            return;
        }

        state.State.Cameras[camera.CameraId] = camera;
        await state.WriteStateAsync();
        PushChangedShares();
    }

    public async Task Remove(string cameraId)
    {
        if (state.State.Cameras.Remove(cameraId))
        {
            await state.WriteStateAsync();
            PushChangedShares();
        }
    }

    public Task<ImmutableArray<CameraAssignment>> Assignments() => Task.FromResult(state.State.Cameras.Values
        .OrderBy(c => c.CameraId, StringComparer.Ordinal)
        .Select(c => new CameraAssignment(c.CameraId, WorkerAssignment.OwnerOf(c.CameraId, _workers.Keys), c.Version))
        .ToImmutableArray());

    public async Task<LiveView?> GetLiveView(string cameraId)
    {
        if (!state.State.Cameras.ContainsKey(cameraId)
            || WorkerAssignment.OwnerOf(cameraId, _workers.Keys) is not { } owner
            || !_workers.TryGetValue(owner, out var worker))
        {
            return null;
        }

        try
        {
            return await worker.Observer.GetLiveView(cameraId).WaitAsync(WorkerAnswer);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            LogWorkerUnanswered(ex, Partition, owner);
            return null;
        }
    }

    public async Task<ImmutableArray<PipelineStatus>> GetPipelines()
    {
        var asked = _workers.Select(w => (Id: w.Key, Answer: Ask(w.Key, w.Value.Observer))).ToList();
        var answers = await Task.WhenAll(asked.Select(a => a.Answer));
        return [.. answers.SelectMany(a => a)];

        async Task<ImmutableArray<PipelineStatus>> Ask(string id, IVideoWorkerObserver observer)
        {
            try
            {
                var pipelines = await observer.GetPipelines(Partition).WaitAsync(WorkerAnswer);
                return [.. pipelines.Select(p => p with { WorkerId = id })];
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                LogWorkerUnanswered(ex, Partition, id);
                return [];
            }
        }
    }

    private Task DropSilentWorkers()
    {
        DropExpired();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Drops the workers silent for longer than <see cref="WorkerExpiry"/>, pushes the others their new shares, and
    /// reports the gap to each camera that lost its worker: its stream is lost until the new worker's first frame
    /// reports it restored.
    /// </summary>
    private bool DropExpired()
    {
        var now = clock.UtcNow;
        var silent = _workers.Where(w => now - w.Value.LastSeen > WorkerExpiry).Select(w => w.Key).ToList();
        var orphaned = new List<string>();
        foreach (var worker in silent)
        {
            orphaned.AddRange(CamerasOf(worker));
            LogWorkerSilent(Partition, worker, WorkerExpiry.TotalSeconds);
        }

        foreach (var worker in silent)
        {
            _workers.Remove(worker);
            _sent.Remove(worker);
        }

        if (silent.Count > 0)
        {
            PushChangedShares();
            ReportGap(orphaned, $"video worker {string.Join(", ", silent)} stopped answering for {WorkerExpiry.TotalSeconds:0} s; the camera moves to another worker").Ignore();
        }

        return silent.Count > 0;
    }

    private List<string> CamerasOf(string worker) =>
        [.. state.State.Cameras.Keys.Where(c => WorkerAssignment.OwnerOf(c, _workers.Keys) == worker)];

    /// <summary>Tells each camera that its stream is lost: its worker is gone (it cannot say so itself).</summary>
    private async Task ReportGap(IEnumerable<string> cameras, string detail)
    {
        var at = clock.UtcNow;
        await Task.WhenAll(cameras.Select(async id =>
        {
            try
            {
                await GrainFactory.GetGrain<ICameraGrain>(id).ReportVideoEvent(new VideoEvent(VideoEventType.StreamLost, 0, null, null, null, 1, Detail: detail, At: at));
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogGapNotReported(ex, id);
            }
        }));
    }

    /// <summary>Sends every worker whose share changed its whole share (one-way: a dead worker costs no wait).</summary>
    private void PushChangedShares()
    {
        var shares = WorkerAssignment.Assign(state.State.Cameras.Keys, _workers.Keys);
        foreach (var (worker, entry) in _workers)
        {
            var (version, cameras) = Share(shares[worker]);
            if (_sent.TryGetValue(worker, out var sent) && sent == version)
            {
                continue;
            }

            _sent[worker] = version;
            entry.Observer.Assigned(Partition, version, cameras).Ignore();
        }
    }

    private (long Version, ImmutableArray<CameraStream> Cameras) SetOf(string worker) =>
        Share(state.State.Cameras.Keys.Where(c => WorkerAssignment.OwnerOf(c, _workers.Keys) == worker));

    /// <summary>The cameras given, with a version that changes whenever the set or any of its settings does.</summary>
    private (long Version, ImmutableArray<CameraStream> Cameras) Share(IEnumerable<string> cameraIds)
    {
        var cameras = cameraIds.Select(id => state.State.Cameras[id])
            .OrderBy(c => c.CameraId, StringComparer.Ordinal)
            .ToImmutableArray();
        var version = 17L;
        foreach (var camera in cameras)
        {
            version = unchecked((version * 31) + PartitionHash.Fnv1a(camera.CameraId) + camera.Version);
        }

        return (version, cameras);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Video partition {Partition}: worker {WorkerId} joined")]
    private partial void LogWorkerJoined(int partition, string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Video partition {Partition}: worker {WorkerId} left; its cameras move to the others")]
    private partial void LogWorkerLeft(int partition, string workerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId} could not be told its worker is gone")]
    private partial void LogGapNotReported(Exception ex, string cameraId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Video partition {Partition}: worker {WorkerId} did not answer in time")]
    private partial void LogWorkerUnanswered(Exception ex, int partition, string workerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Video partition {Partition}: worker {WorkerId} silent for more than {Seconds} s; its cameras move to the others")]
    private partial void LogWorkerSilent(int partition, string workerId, double seconds);
}
