using System.Collections.Concurrent;
using System.Text.Json;
using CityControl.Devices;
using CityControl.Video.Cli;
using CityControl.Video.Evidence;
using CityControl.Video.Live;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Video.Hosting;

/// <summary>
/// Runs a pipeline for every camera that has a stream address and is not decommissioned, as a hosted service of the
/// process it is in (the platform by default). Every refresh it reads the cameras from the directory and their
/// settings from their grains: new cameras start, cameras whose address or analytics changed restart with the new
/// settings, removed ones stop. The grains hold the truth, so a restarted host picks up where the last one was.
/// </summary>
public sealed partial class CameraPipelineHost(
    IGrainFactory grains,
    IVideoEventSink sink,
    IOptions<PipelineOptions> options,
    ILoggerFactory loggers,
    TimeProvider time,
    IEvidenceStore? evidence = null) : BackgroundService
{
    private readonly PipelineOptions _options = options.Value;
    private readonly ILogger _logger = loggers.CreateLogger<CameraPipelineHost>();
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);

    /// <summary>The pipelines running in this process, by camera id.</summary>
    public IReadOnlyCollection<PipelineStatus> Pipelines => [.. _running.Values.Select(r => r.Pipeline.Status)];

    public LiveView? LiveView(string cameraId) => _running.TryGetValue(cameraId, out var r) ? r.Pipeline.Live : null;

    public bool Runs(string cameraId) => _running.ContainsKey(cameraId);

    /// <summary>Reads the cameras now and brings the pipelines in line with them.</summary>
    public async Task Refresh(CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, (string Address, CameraAnalyticsConfig Config)>(StringComparer.Ordinal);
        foreach (var camera in await grains.QueryDevices(new DeviceQuery(Kind: DeviceKind.Camera)))
        {
            if (camera.Status == LifecycleStatus.Decommissioned)
            {
                continue;
            }

            var grain = grains.GetGrain<ICameraGrain>(camera.Id);
            if (await grain.GetSnapshot() is { Definition.Camera.StreamUrl: { Length: > 0 } address })
            {
                wanted[camera.Id] = (address, await grain.GetAnalytics());
            }
        }

        foreach (var (id, running) in _running)
        {
            if (!wanted.TryGetValue(id, out var w) || w.Address != running.Address || Key(w.Config) != running.ConfigKey)
            {
                _running.TryRemove(id, out _);
                await running.Pipeline.DisposeAsync();
                LogStopped(id);
            }
        }

        foreach (var (id, w) in wanted)
        {
            if (cancellationToken.IsCancellationRequested || _running.ContainsKey(id))
            {
                continue;
            }

            var pipeline = new CameraPipeline(id, w.Address, w.Config, sink, evidence, _options, time, loggers.CreateLogger($"CityControl.Video.Camera.{id}"));
            _running[id] = new Running(pipeline, w.Address, Key(w.Config));
            pipeline.Start();
            LogStarted(id, w.Config.Zones.Length);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var id in _running.Keys.ToList())
        {
            if (_running.TryRemove(id, out var running))
            {
                await running.Pipeline.DisposeAsync();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Refresh(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRefreshFailed(ex);
            }

            try
            {
                await Task.Delay(_options.RefreshInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static string Key(CameraAnalyticsConfig config) => JsonSerializer.Serialize(config, AnalyzeCommand.Json);

    [LoggerMessage(Level = LogLevel.Information, Message = "Video pipeline for camera {CameraId} started ({Zones} zones)")]
    private partial void LogStarted(string cameraId, int zones);

    [LoggerMessage(Level = LogLevel.Information, Message = "Video pipeline for camera {CameraId} stopped")]
    private partial void LogStopped(string cameraId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the camera pipelines; the running ones go on")]
    private partial void LogRefreshFailed(Exception ex);

    private sealed record Running(CameraPipeline Pipeline, string Address, string ConfigKey);
}
