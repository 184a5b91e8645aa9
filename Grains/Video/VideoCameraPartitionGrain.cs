using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Rules;
using CityControl.Rules.Video;
using CityControl.Video;
using Microsoft.Extensions.Logging;

namespace CityControl.Grains.Video;

/// <summary>What a video partition keeps: the streams of its cameras, as their grains last pushed them, and what it holds against cameras whose worker died.</summary>
[GenerateSerializer, Alias("citycontrol.video-partition-state.v1")]
public sealed class VideoPartitionState
{
    [Id(0)] public Dictionary<string, CameraStream> Cameras { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public Dictionary<string, CameraCrashState> Crashes { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A <see cref="CameraCrashRecord"/> as the partition stores it.</summary>
[GenerateSerializer, Alias("citycontrol.camera-crash-state.v1")]
public sealed class CameraCrashState
{
    [Id(0)] public DateTimeOffset? SuspectSince { get; set; }

    [Id(1)] public string? LostWorker { get; set; }

    [Id(2)] public int ProbeCrashes { get; set; }

    [Id(3)] public DateTimeOffset? QuarantinedUntil { get; set; }

    [Id(4)] public string? Reason { get; set; }

    public CameraCrashRecord ToRecord() => new(SuspectSince, LostWorker, ProbeCrashes, QuarantinedUntil, Reason);

    public static CameraCrashState From(CameraCrashRecord record) => new()
    {
        SuspectSince = record.SuspectSince,
        LostWorker = record.LostWorker,
        ProbeCrashes = record.ProbeCrashes,
        QuarantinedUntil = record.QuarantinedUntil,
        Reason = record.Reason,
    };
}

/// <summary>
/// Divides one partition's cameras among the live video workers (rendezvous hashing) and pushes each worker its share
/// whenever that share changes: a camera's settings, a worker joining, a worker falling silent for
/// <see cref="WorkerExpiry"/> (its cameras then move to the others). Workers hold no lease of their own: the partition
/// decides, so two workers never run one camera once both have heard the same decision.
/// A camera whose worker fell silent while running it may be what killed it (a source that crashes the native
/// decoder): the next worker runs it first in a probe process of its own; a probe that crashes quarantines the camera
/// (<see cref="CrashQuarantine"/>), so one poisonous source cannot take down worker after worker.
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

    public async Task<long> Register(string workerId, IVideoWorkerObserver worker)
    {
        var known = _workers.ContainsKey(workerId);
        _workers[workerId] = (worker, clock.UtcNow);
        if (!known)
        {
            LogWorkerJoined(Partition, workerId);
        }

        // Another worker's silence is noticed here too, not only on the timer.
        if (!await DropExpired() && !known)
        {
            PushChangedShares();
        }

        // Every change pushes every worker its share, so the version last sent is the one it should run.
        return _sent[workerId];
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

        if (known is not null && known.Address != camera.Address && state.State.Crashes.Remove(camera.CameraId))
        {
            LogQuarantineLifted(camera.CameraId);
        }

        state.State.Cameras[camera.CameraId] = camera;
        await state.WriteStateAsync();
        PushChangedShares();
    }

    public async Task Remove(string cameraId)
    {
        if (state.State.Cameras.Remove(cameraId))
        {
            state.State.Crashes.Remove(cameraId);
            await state.WriteStateAsync();
            PushChangedShares();
        }
    }

    public async Task ReportProbe(string workerId, string cameraId, long version, ProbeOutcome outcome)
    {
        if (!state.State.Cameras.TryGetValue(cameraId, out var camera) || camera.Version != version
            || Crash(cameraId) is not { NeedsProbe: true } record || record.IsQuarantined(clock.UtcNow))
        {
            return;
        }

        var now = clock.UtcNow;
        if (outcome.Crashed)
        {
            var quarantined = CrashQuarantine.ProbeCrashed(record, outcome.Detail, now);
            state.State.Crashes[cameraId] = CameraCrashState.From(quarantined);
            LogQuarantined(cameraId, workerId, quarantined.QuarantinedUntil!.Value, outcome.Detail);
            await state.WriteStateAsync();
            PushChangedShares();
            await ReportGap([cameraId],
                $"quarantined until {quarantined.QuarantinedUntil:yyyy-MM-dd HH:mm} UTC: its source crashed the video analysis " +
                $"(a probe on {workerId}: {outcome.Detail}) after its worker {record.LostWorker} died running it; probed again then, or at once when its address changes");
        }
        else
        {
            state.State.Crashes.Remove(cameraId);
            LogProbePassed(cameraId, workerId);
            await state.WriteStateAsync();
            PushChangedShares();
        }
    }

    public Task<ImmutableArray<CameraAssignment>> Assignments()
    {
        var now = clock.UtcNow;
        return Task.FromResult(state.State.Cameras.Values
            .OrderBy(c => c.CameraId, StringComparer.Ordinal)
            .Select(c => Crash(c.CameraId) switch
            {
                { } crash when crash.IsQuarantined(now) => new CameraAssignment(c.CameraId, null, c.Version, crash.QuarantinedUntil, crash.Reason),
                var crash => new CameraAssignment(c.CameraId, WorkerAssignment.OwnerOf(c.CameraId, _workers.Keys), c.Version, Probing: crash?.NeedsProbe == true),
            })
            .ToImmutableArray());
    }

    public async Task<LiveView?> GetLiveView(string cameraId)
    {
        if (!state.State.Cameras.ContainsKey(cameraId)
            || Crash(cameraId) is { NeedsProbe: true }
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

    private async Task DropSilentWorkers()
    {
        // A quarantine that has run out gives its camera back to a worker (which probes it first).
        if (!await DropExpired())
        {
            PushChangedShares();
        }
    }

    /// <summary>
    /// Drops the workers silent for longer than <see cref="WorkerExpiry"/>, pushes the others their new shares, and
    /// reports the gap to each camera that lost its worker: its stream is lost until the new worker's first frame
    /// reports it restored.
    /// </summary>
    private async Task<bool> DropExpired()
    {
        var now = clock.UtcNow;
        var silent = _workers.Where(w => now - w.Value.LastSeen > WorkerExpiry).Select(w => w.Key).ToList();
        if (silent.Count == 0)
        {
            return false;
        }

        var orphaned = new List<string>();
        foreach (var worker in silent)
        {
            var cameras = CamerasOf(worker);
            orphaned.AddRange(cameras);
            foreach (var camera in cameras)
            {
                state.State.Crashes[camera] = CameraCrashState.From(CrashQuarantine.WorkerLost(Crash(camera), worker, now));
            }

            LogWorkerSilent(Partition, worker, WorkerExpiry.TotalSeconds);
        }

        foreach (var worker in silent)
        {
            _workers.Remove(worker);
            _sent.Remove(worker);
        }

        if (orphaned.Count > 0)
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Held in memory: the cameras move all the same, and are probed while this activation lives.
                LogSuspectsNotSaved(ex, Partition);
            }
        }

        PushChangedShares();
        ReportGap(orphaned, $"video worker {string.Join(", ", silent)} stopped answering for {WorkerExpiry.TotalSeconds:0} s; the camera moves to another worker, which tries its source in a process of its own first").Ignore();
        return true;
    }

    private CameraCrashRecord? Crash(string cameraId) => state.State.Crashes.TryGetValue(cameraId, out var crash) ? crash.ToRecord() : null;

    /// <summary>The cameras a worker may be given now: every one not in quarantine.</summary>
    private IEnumerable<string> Runnable(DateTimeOffset now) =>
        state.State.Cameras.Keys.Where(c => Crash(c) is not { } crash || !crash.IsQuarantined(now));

    private List<string> CamerasOf(string worker) =>
        [.. Runnable(clock.UtcNow).Where(c => WorkerAssignment.OwnerOf(c, _workers.Keys) == worker)];

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
        var shares = WorkerAssignment.Assign(Runnable(clock.UtcNow), _workers.Keys);
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

    private (long Version, ImmutableArray<CameraStream> Cameras) SetOf(string worker) => Share(CamerasOf(worker));

    /// <summary>The cameras given (a suspect one marked to be probed), with a version that changes whenever the set or any of its settings does.</summary>
    private (long Version, ImmutableArray<CameraStream> Cameras) Share(IEnumerable<string> cameraIds)
    {
        var cameras = cameraIds.Select(id => Crash(id) is { NeedsProbe: true } ? state.State.Cameras[id] with { Probe = true } : state.State.Cameras[id])
            .OrderBy(c => c.CameraId, StringComparer.Ordinal)
            .ToImmutableArray();
        var version = 17L;
        foreach (var camera in cameras)
        {
            version = unchecked((version * 31) + PartitionHash.Fnv1a(camera.CameraId) + camera.Version + (camera.Probe ? 7919 : 0));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId} quarantined until {Until}: its probe on worker {WorkerId} crashed ({Detail})")]
    private partial void LogQuarantined(string cameraId, string workerId, DateTimeOffset until, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId} passed its probe on worker {WorkerId}; it runs again")]
    private partial void LogProbePassed(string cameraId, string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId} has a new address; what its old source did is forgotten")]
    private partial void LogQuarantineLifted(string cameraId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Video partition {Partition}: the cameras of a lost worker could not be saved as suspects")]
    private partial void LogSuspectsNotSaved(Exception ex, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Video partition {Partition}: worker {WorkerId} silent for more than {Seconds} s; its cameras move to the others")]
    private partial void LogWorkerSilent(int partition, string workerId, double seconds);
}
