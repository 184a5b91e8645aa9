using Microsoft.Extensions.Hosting;
using System.Diagnostics.Metrics;

namespace CityControl.Video.Hosting;

/// <summary>
/// The worker's pipelines on the platform's meter, per camera: frames read from the stream, analysed, dropped
/// (read but not analysed, because the analysis takes the newest frame at its own rate, or not given a turn at the
/// detector in time), and those the object detector ran on. Read when scraped.
/// </summary>
public sealed class VideoMetrics : IHostedService
{
    public VideoMetrics(CameraPipelineHost host, IMeterFactory meters)
    {
        var meter = meters.Create(PlatformMetrics.Meter);
        IEnumerable<Measurement<long>> Each(Func<PipelineStatus, long> value) =>
            host.Pipelines.Select(p => new Measurement<long>(value(p), new KeyValuePair<string, object?>("camera", p.CameraId)));
        meter.CreateObservableCounter("citycontrol.video.frames.read", () => Each(p => p.FramesRead), description: "Frames read from each camera's stream by this worker");
        meter.CreateObservableCounter("citycontrol.video.frames.analysed", () => Each(p => p.FramesAnalysed), description: "Frames analysed per camera by this worker");
        meter.CreateObservableCounter("citycontrol.video.frames.dropped", () => Each(p => p.FramesDropped), description: "Frames read but not analysed per camera (the analysis takes the newest at its rate), or not given a turn at the detector in time");
        meter.CreateObservableCounter("citycontrol.video.frames.detected", () => Each(p => p.FramesDetected), description: "Frames the object detector ran on per camera (the rest had no motion and nothing followed)");
        meter.CreateObservableGauge("citycontrol.video.streams.up", () => host.Pipelines.Count(p => p.StreamUp), description: "Streams up on this worker");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
