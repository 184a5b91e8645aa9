using CityControl.Devices;
using CityControl.Video.Live;

namespace CityControl.Video.Hosting;

/// <summary>Hands a pipeline's conclusions to the camera grain: one call per event, one per heartbeat.</summary>
public sealed class GrainVideoEventSink(IGrainFactory grains) : IVideoEventSink
{
    public Task ReportAsync(string cameraId, VideoEvent videoEvent, CancellationToken cancellationToken) =>
        grains.GetGrain<ICameraGrain>(cameraId).ReportVideoEvent(videoEvent);

    public Task AliveAsync(string cameraId, DateTimeOffset at, CancellationToken cancellationToken) =>
        grains.GetGrain<ICameraGrain>(cameraId).ReportStreamAlive(at);
}
