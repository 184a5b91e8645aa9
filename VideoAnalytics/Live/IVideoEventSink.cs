namespace CityControl.Video.Live;

/// <summary>Where a pipeline's conclusions go: the camera grain in the platform, a list in tests.</summary>
public interface IVideoEventSink
{
    /// <summary>One event, as one call.</summary>
    Task ReportAsync(string cameraId, VideoEvent videoEvent, CancellationToken cancellationToken);

    /// <summary>The stream is up and frames are arriving (the camera's heartbeat).</summary>
    Task AliveAsync(string cameraId, DateTimeOffset at, CancellationToken cancellationToken);
}
