using System.Collections.Concurrent;
using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Tests.Infrastructure;
using CityControl.Video;

namespace CityControl.Tests.Grains;

/// <summary>Cameras divided among video workers by their partitions, pushed to the workers as they change.</summary>
[Collection(ClusterCollection.Name)]
public sealed class VideoPartitionTests(ClusterFixture fixture)
{
    private static readonly GeoPoint Gate = new(37.4849, 126.8985);

    [Fact]
    public async Task Each_camera_runs_on_one_worker_settings_reach_it_and_a_silent_workers_cameras_move_to_the_other()
    {
        // Workers other tests of the fixture registered fall silent first: the cameras here are shared by a and b only.
        fixture.Time.Advance(TimeSpan.FromSeconds(20));
        var prefix = "vp-" + Guid.NewGuid().ToString("N")[..6];
        var a = new RecordingWorker($"{prefix}-a");
        var b = new RecordingWorker($"{prefix}-b");
        var refA = fixture.Grains.CreateObjectReference<IVideoWorkerObserver>(a);
        var refB = fixture.Grains.CreateObjectReference<IVideoWorkerObserver>(b);
        var cameras = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            cameras.Add(await Onboard($"{prefix}-cam-{i}", $"rtsp://10.20.0.5:8554/{i}"));
        }

        var partitions = cameras.Select(VideoPartitions.Of).Distinct().ToList();
        foreach (var p in partitions)
        {
            var partition = fixture.Grains.GetGrain<IVideoCameraPartitionGrain>(p);
            await a.Take(p, partition, await partition.Register(a.Id, refA));
            await b.Take(p, partition, await partition.Register(b.Id, refB));
        }

        // b's registration changed a's share: that reaches a as a one-way push, which may still be on its way (and
        // so may later pushes to either). Settled when both hold what their partitions hold for them, in one pass.
        var grains = partitions.Select(p => fixture.Grains.GetGrain<IVideoCameraPartitionGrain>(p)).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "the workers' shares did not settle");
            await a.Settle(grains);
            await b.Settle(grains);
        }
        while (!(await a.IsSettled(grains) && await b.IsSettled(grains)));

        // Every camera with exactly one worker, and both workers busy.
        var ownedByA = cameras.Where(a.Runs).ToList();
        var ownedByB = cameras.Where(b.Runs).ToList();
        Assert.Empty(ownedByA.Intersect(ownedByB));
        Assert.Equal(cameras.Count, ownedByA.Count + ownedByB.Count);
        Assert.NotEmpty(ownedByA);
        Assert.NotEmpty(ownedByB);

        // A front end's live view and pipeline questions reach the worker that runs the camera, through its partition.
        var view = await fixture.Grains.GetVideoPartitionFor(ownedByB[0]).GetLiveView(ownedByB[0]);
        Assert.Equal(b.Id, System.Text.Encoding.UTF8.GetString(view!.Jpeg));
        var statuses = (await Task.WhenAll(partitions.Select(p => fixture.Grains.GetGrain<IVideoCameraPartitionGrain>(p).GetPipelines())))
            .SelectMany(x => x).Where(x => x.CameraId.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(cameras.Order(), statuses.Select(x => x.CameraId).Order());
        Assert.All(statuses, x => Assert.Equal(b.Runs(x.CameraId) ? b.Id : a.Id, x.WorkerId));
        Assert.Null(await fixture.Grains.GetVideoPartitionFor("vp-no-such-camera").GetLiveView("vp-no-such-camera"));

        // A new stream address reaches the worker that runs the camera, pushed.
        var moved = ownedByA[0];
        await fixture.Grains.GetGrain<ICameraGrain>(moved).Update(new DeviceUpdate(Camera: new CameraSettings("rtsp://10.20.0.5:8554/new", 90, 70, 120)), "admin");
        await a.WaitFor(moved, s => s.Address.EndsWith("/new", StringComparison.Ordinal));

        // Worker a falls silent: once b registers after the expiry, a's cameras are b's, and a is told nothing more.
        fixture.Time.Advance(TimeSpan.FromSeconds(20));
        foreach (var p in partitions)
        {
            var partition = fixture.Grains.GetGrain<IVideoCameraPartitionGrain>(p);
            await b.Take(p, partition, await partition.Register(b.Id, refB));
        }

        Assert.All(cameras, c => Assert.True(b.Runs(c), $"{c} did not move to b"));
        var assignments = (await Task.WhenAll(partitions.Select(p => fixture.Grains.GetGrain<IVideoCameraPartitionGrain>(p).Assignments())))
            .SelectMany(x => x).Where(x => x.CameraId.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(cameras.Count, assignments.Count);
        Assert.All(assignments, x => Assert.Equal(b.Id, x.WorkerId));

        // A decommissioned camera leaves its worker.
        await fixture.Grains.GetGrain<ICameraGrain>(cameras[^1]).Decommission("admin");
        await b.WaitFor(cameras[^1], null);
    }

    [Fact]
    public async Task A_camera_whose_worker_died_is_probed_by_the_next_quarantined_when_its_probe_crashes_and_probed_again_when_that_ends()
    {
        var prefix = "vq-" + Guid.NewGuid().ToString("N")[..6];
        var camera = $"{prefix}-cam";
        var partition = fixture.Grains.GetVideoPartitionFor(camera);
        var p = VideoPartitions.Of(camera);
        var a = new RecordingWorker($"{prefix}-a");
        var b = new RecordingWorker($"{prefix}-b");
        var refA = fixture.Grains.CreateObjectReference<IVideoWorkerObserver>(a);
        var refB = fixture.Grains.CreateObjectReference<IVideoWorkerObserver>(b);

        // Workers other tests registered with this partition fall silent first: a and b are its only workers.
        fixture.Time.Advance(TimeSpan.FromSeconds(20));
        await a.Take(p, partition, await partition.Register(a.Id, refA));
        await b.Take(p, partition, await partition.Register(b.Id, refB));
        await Onboard(camera, "rtsp://10.20.0.5:8554/poison");
        await a.Settle([partition]);
        await b.Settle([partition]);
        var (dead, deadRef, next, nextRef) = a.Runs(camera) ? (a, refA, b, refB) : (b, refB, a, refA);
        Assert.False((await partition.AssignedTo(dead.Id)).Cameras.Single(c => c.CameraId == camera).Probe);

        // Its worker falls silent (a crash, for all the partition can tell): the next worker is to probe it first,
        // and until then no front end is sent to it for a live view.
        fixture.Time.Advance(TimeSpan.FromSeconds(20));
        await next.Take(p, partition, await partition.Register(next.Id, nextRef));
        var suspect = (await partition.AssignedTo(next.Id)).Cameras.Single(c => c.CameraId == camera);
        Assert.True(suspect.Probe);
        Assert.True((await partition.Assignments()).Single(x => x.CameraId == camera).Probing);
        Assert.Null(await partition.GetLiveView(camera));

        // Its probe crashes: quarantined for 15 minutes, out of every share, and the camera is told why.
        await partition.ReportProbe(next.Id, camera, suspect.Version, new ProbeOutcome(true, "the probe process was killed by signal 11 (SIGSEGV)"));
        await next.WaitFor(camera, null);
        var quarantined = (await partition.Assignments()).Single(x => x.CameraId == camera);
        Assert.Null(quarantined.WorkerId);
        Assert.Equal(fixture.Time.GetUtcNow() + TimeSpan.FromMinutes(15), quarantined.QuarantinedUntil);
        Assert.Contains("SIGSEGV", quarantined.QuarantineReason, StringComparison.Ordinal);
        var events = await fixture.Grains.GetGrain<ICameraGrain>(camera).GetRecentVideoEvents(10);
        Assert.Contains(events, e => e.Type == VideoEventType.StreamLost && e.Detail!.StartsWith("quarantined until", StringComparison.Ordinal));

        // A report for the quarantined camera changes nothing (a late or repeated probe).
        await partition.ReportProbe(next.Id, camera, suspect.Version, new ProbeOutcome(false, "late"));
        Assert.Equal(quarantined.QuarantinedUntil, (await partition.Assignments()).Single(x => x.CameraId == camera).QuarantinedUntil);

        // The quarantine ends: the camera goes back to a worker, to be probed again; this time the probe passes and it runs.
        fixture.Time.Advance(TimeSpan.FromMinutes(16));
        await partition.Register(next.Id, nextRef);
        await next.WaitFor(camera, s => s.Probe);
        var again = (await partition.AssignedTo(next.Id)).Cameras.Single(c => c.CameraId == camera);
        await partition.ReportProbe(next.Id, camera, again.Version, new ProbeOutcome(false, "probe of the camera: stream up, 31 frames read, 10 analysed"));
        await next.WaitFor(camera, s => !s.Probe);
        Assert.False((await partition.Assignments()).Single(x => x.CameraId == camera).Probing);
        _ = deadRef;
    }

    private async Task<string> Onboard(string id, string address)
    {
        await fixture.Grains.GetGrain<ICameraGrain>(id).Onboard(new DeviceDefinition(id, DeviceKind.Camera, "Gate camera", Gate, "Video-partitions", "gate",
            TimeSpan.FromMinutes(5), Camera: new CameraSettings(address, 90, 70, 120)), "h");
        return id;
    }

    /// <summary>A worker as the partitions see it: the share each partition last gave it, pushed or asked for.</summary>
    private sealed class RecordingWorker(string id) : IVideoWorkerObserver
    {
        private readonly ConcurrentDictionary<int, ImmutableArray<CameraStream>> _shares = new();
        private readonly ConcurrentDictionary<int, long> _versions = new();
        private readonly SemaphoreSlim _changed = new(0);

        public string Id { get; } = id;

        public bool Runs(string cameraId) => _shares.Values.Any(s => s.Any(c => c.CameraId == cameraId));

        public Task Assigned(int partition, long setVersion, ImmutableArray<CameraStream> cameras)
        {
            _shares[partition] = cameras;
            _versions[partition] = setVersion;
            _changed.Release();
            return Task.CompletedTask;
        }

        /// <summary>A live view whose bytes name this worker, for the cameras it runs.</summary>
        public Task<LiveView?> GetLiveView(string cameraId) =>
            Task.FromResult(Runs(cameraId) ? new LiveView(System.Text.Encoding.UTF8.GetBytes(Id), DateTimeOffset.UtcNow, 1, 1) : null);

        public Task<ImmutableArray<PipelineStatus>> GetPipelines(int partition) =>
            Task.FromResult(_shares.TryGetValue(partition, out var share)
                ? share.Select(c => new PipelineStatus(c.CameraId, true, 1, 1, 0, 0, null)).ToImmutableArray()
                : []);

        /// <summary>What a worker does after registering: asks for its share (a push may still be on its way).</summary>
        public async Task Take(int partition, IVideoCameraPartitionGrain grain, long version)
        {
            var (current, cameras) = await grain.AssignedTo(Id);
            Assert.Equal(version, current);
            _shares[partition] = cameras;
            _versions[partition] = current;
        }

        /// <summary>
        /// Until this worker's share of every partition is the one the partition holds for it now. The partition is
        /// asked again after every push: a share may change again meanwhile, and then only the newest push counts.
        /// </summary>
        public async Task Settle(IReadOnlyList<IVideoCameraPartitionGrain> partitions)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            foreach (var grain in partitions)
            {
                while (await Compare(grain) is { Holds: false } differs)
                {
                    try
                    {
                        await _changed.WaitAsync(timeout.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        // Say what did not settle: a later failure is then read, not guessed.
                        var assignments = await grain.Assignments();
                        Assert.Fail($"{Id}'s share of partition {grain.GetPrimaryKeyLong()} did not settle in 10 s: it holds version " +
                            $"{differs.Known} ({Named(differs.Held)}), the partition holds {differs.Current} ({Named(differs.Wanted)}); assignments: " +
                            string.Join(", ", assignments.Select(x => $"{x.CameraId}->{x.WorkerId ?? "none"}")));
                    }
                }
            }
        }

        /// <summary>Whether this worker holds, for every partition, the share the partition holds for it now.</summary>
        public async Task<bool> IsSettled(IReadOnlyList<IVideoCameraPartitionGrain> partitions)
        {
            foreach (var grain in partitions)
            {
                if (!(await Compare(grain)).Holds)
                {
                    return false;
                }
            }

            return true;
        }

        private async Task<(bool Holds, long? Known, ImmutableArray<CameraStream> Held, long Current, ImmutableArray<CameraStream> Wanted)> Compare(IVideoCameraPartitionGrain grain)
        {
            var partition = (int)grain.GetPrimaryKeyLong();
            var (current, wanted) = await grain.AssignedTo(Id);
            long? known = _versions.TryGetValue(partition, out var version) ? version : null;
            return (known == current, known, _shares.GetValueOrDefault(partition, []), current, wanted);
        }

        private static string Named(ImmutableArray<CameraStream> cameras) =>
            string.Join(", ", cameras.Select(c => c.CameraId + (c.Probe ? " (probe)" : "")));

        /// <summary>Until the camera's stream, as pushed, matches (null: until the camera is no longer given to this worker).</summary>
        public async Task WaitFor(string cameraId, Func<CameraStream, bool>? match)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var stream = _shares.Values.SelectMany(s => s).FirstOrDefault(c => c.CameraId == cameraId);
                if (match is null ? stream is null : stream is not null && match(stream))
                {
                    return;
                }

                await _changed.WaitAsync(timeout.Token);
            }
        }
    }
}
