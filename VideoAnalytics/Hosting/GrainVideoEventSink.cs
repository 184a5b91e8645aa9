using CityControl.Devices;
using CityControl.Video.Live;

namespace CityControl.Video.Hosting;

/// <summary>Hands a pipeline's conclusions to the camera grain: one call per event; the heartbeat is the camera's <c>streamUp</c> reading.</summary>
public sealed class GrainVideoEventSink(IGrainFactory grains) : IVideoEventSink
{
    public Task ReportAsync(string cameraId, VideoEvent videoEvent, CancellationToken cancellationToken) =>
        grains.GetGrain<ICameraGrain>(cameraId).ReportVideoEvent(videoEvent);

    public Task AliveAsync(string cameraId, DateTimeOffset at, CancellationToken cancellationToken) =>
        grains.GetGrain<ICameraGrain>(cameraId).ReportReadings(new ReadingBatch([new Reading(at, "streamUp", 1, "bool")], at));
}
