using System.Collections.Concurrent;
using System.Collections.Immutable;
using CityControl.Video.Detection;
using CityControl.Video.Evidence;
using CityControl.Video.Live;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Video.Hosting;

/// <summary>
/// A video worker: it registers with every video partition and runs a pipeline for each camera the partitions push to
/// it, restarting one whose settings changed and stopping those taken away. Nothing is polled: the camera grains push
/// their changes to their partition, and the partition pushes this worker its share. The registration, every
/// <see cref="PipelineOptions.RegisterInterval"/>, is the worker's heartbeat, and also catches a push it missed (the
/// partition answers with the version of the share it should run).
/// </summary>
public sealed partial class CameraPipelineHost(
    IGrainFactory grains,
    IVideoEventSink sink,
    IOptions<PipelineOptions> options,
    ILoggerFactory loggers,
    TimeProvider time,
    IEvidenceStore? evidence = null,
    DetectorProvider? detectors = null) : BackgroundService, IVideoWorkerObserver
{
    private readonly PipelineOptions _options = options.Value;
    private readonly CameraProbe _probe = new(options.Value, loggers.CreateLogger<CameraProbe>());
    private readonly SemaphoreSlim _probeSlots = new(Math.Max(1, options.Value.ProbeConcurrency));
    private readonly ConcurrentDictionary<string, long> _probing = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger = loggers.CreateLogger<CameraPipelineHost>();
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, long> _shares = new();
    private readonly SemaphoreSlim _changes = new(1, 1);

    public string WorkerId { get; } = options.Value.WorkerId
        ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>The pipelines running in this process, by camera id.</summary>
    public IReadOnlyCollection<PipelineStatus> Pipelines => [.. _running.Values.Select(r => r.Pipeline.Status)];

    public LiveView? LiveView(string cameraId) => _running.TryGetValue(cameraId, out var r) ? r.Pipeline.Live : null;

    public Task Assigned(int partition, long setVersion, ImmutableArray<CameraStream> cameras) => Apply(partition, setVersion, cameras);

    public Task<LiveView?> GetLiveView(string cameraId) => Task.FromResult(LiveView(cameraId));

    public Task<ImmutableArray<PipelineStatus>> GetPipelines(int partition) =>
        Task.FromResult(_running.Values.Where(r => r.Partition == partition).Select(r => r.Pipeline.Status).ToImmutableArray());

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
        await _changes.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var id in _running.Keys.ToList())
            {
                if (_running.TryRemove(id, out var running))
                {
                    await running.Pipeline.DisposeAsync();
                }
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    public override void Dispose()
    {
        _changes.Dispose();
        _probeSlots.Dispose();
        _stopping.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var self = grains.CreateObjectReference<IVideoWorkerObserver>(this);
        LogWorkerStarted(WorkerId);
        try
        {
            using var timer = new PeriodicTimer(_options.RegisterInterval, time);
            do
            {
                await Task.WhenAll(Enumerable.Range(0, VideoPartitions.Count).Select(p => Register(p, self)));
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            // Hand the cameras over at once rather than after the partitions' expiry.
            try
            {
                await Task.WhenAll(Enumerable.Range(0, VideoPartitions.Count)
                    .Select(p => grains.GetGrain<IVideoCameraPartitionGrain>(p).Unregister(WorkerId)))
                    .WaitAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
            {
                LogUnregisterFailed(ex);
            }
        }
    }

    private async Task Register(int partition, IVideoWorkerObserver self)
    {
        try
        {
            var grain = grains.GetGrain<IVideoCameraPartitionGrain>(partition);
            var version = await grain.Register(WorkerId, self);
            if (!_shares.TryGetValue(partition, out var known) || known != version)
            {
                var (current, cameras) = await grain.AssignedTo(WorkerId);
                await Apply(partition, current, cameras);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRegisterFailed(ex, partition);
        }
    }

    /// <summary>Brings this partition's pipelines in line with the share: start the new, restart the changed, stop the rest.</summary>
    private async Task Apply(int partition, long version, ImmutableArray<CameraStream> cameras)
    {
        await _changes.WaitAsync();
        try
        {
            var wanted = cameras.ToDictionary(c => c.CameraId, StringComparer.Ordinal);
            foreach (var (id, running) in _running.Where(r => r.Value.Partition == partition).ToList())
            {
                if (!wanted.TryGetValue(id, out var stream) || stream.Version != running.Stream.Version || stream.Address != running.Stream.Address || stream.Probe)
                {
                    _running.TryRemove(id, out _);
                    await running.Pipeline.DisposeAsync();
                    LogStopped(id);
                }
            }

            foreach (var stream in cameras.Where(c => !_running.ContainsKey(c.CameraId)))
            {
                if (stream.Probe)
                {
                    StartProbe(partition, stream);
                    continue;
                }

                var detector = stream.Analytics.Detector == DetectorMode.Objects ? detectors?.Get() : null;
                var pipeline = new CameraPipeline(stream.CameraId, stream.Address, stream.Analytics, sink, evidence, _options, time,
                    loggers.CreateLogger($"CityControl.Video.Camera.{stream.CameraId}"), detector: detector);
                _running[stream.CameraId] = new Running(pipeline, stream, partition);
                pipeline.Start();
                LogStarted(stream.CameraId, stream.Analytics.Zones.Length);
            }

            _shares[partition] = version;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>
    /// Runs a suspect camera in a probe process, at most <see cref="PipelineOptions.ProbeConcurrency"/> at a time, and
    /// tells its partition how that went; the partition then gives the camera back to run in-process, or quarantines it.
    /// </summary>
    private void StartProbe(int partition, CameraStream stream)
    {
        if (!_probing.TryAdd(stream.CameraId, stream.Version))
        {
            return;
        }

        LogProbing(stream.CameraId);
        _ = Task.Run(async () =>
        {
            try
            {
                ProbeOutcome outcome;
                await _probeSlots.WaitAsync(_stopping.Token);
                try
                {
                    outcome = await _probe.RunAsync(stream, _stopping.Token);
                }
                finally
                {
                    _probeSlots.Release();
                }

                await grains.GetGrain<IVideoCameraPartitionGrain>(partition).ReportProbe(WorkerId, stream.CameraId, stream.Version, outcome);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex)
            {
                // Asked again: the next registration fetches the share anew and probes the camera again.
                LogProbeFailed(ex, stream.CameraId);
                _shares.TryRemove(partition, out _);
            }
            finally
            {
                _probing.TryRemove(stream.CameraId, out _);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: its last worker died running it; trying its source in a probe process first")]
    private partial void LogProbing(string cameraId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: the probe could not be run or reported; it is tried again")]
    private partial void LogProbeFailed(Exception ex, string cameraId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Video worker {WorkerId} registering with the video partitions")]
    private partial void LogWorkerStarted(string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Video pipeline for camera {CameraId} started ({Zones} zones)")]
    private partial void LogStarted(string cameraId, int zones);

    [LoggerMessage(Level = LogLevel.Information, Message = "Video pipeline for camera {CameraId} stopped")]
    private partial void LogStopped(string cameraId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register with video partition {Partition}; the running pipelines go on")]
    private partial void LogRegisterFailed(Exception ex, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not unregister from the video partitions; they drop this worker when it stays silent")]
    private partial void LogUnregisterFailed(Exception ex);

    private sealed record Running(CameraPipeline Pipeline, CameraStream Stream, int Partition);
}
