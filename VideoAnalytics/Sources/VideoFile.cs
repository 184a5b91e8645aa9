using OpenCvSharp;

namespace CityControl.Video.Sources;

/// <summary>
/// A video file read through OpenCV's bundled FFmpeg, with each frame's time in seconds from the start. Times come
/// from the frame index and the file's frame rate; a rate the container states oddly (outside 1-240 fps) is replaced
/// by the decoder's own position in milliseconds, so odd time bases still give sane, increasing times.
/// </summary>
public sealed class VideoFile : IDisposable
{
    private readonly VideoCapture _capture;
    private readonly double _fps;
    private double _lastTime = -1;

    public VideoFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no video file at {path}", path);
        }

        _capture = new VideoCapture(path);
        if (!_capture.IsOpened())
        {
            throw new InvalidDataException($"OpenCV cannot open {path} as a video");
        }

        var fps = _capture.Get(VideoCaptureProperties.Fps);
        _fps = fps is >= 1 and <= 240 ? fps : 0;
    }

    public double FramesPerSecond => _fps;

    public int FramesRead { get; private set; }

    /// <summary>Reads the next frame into <paramref name="frame"/>; false at the end of the file.</summary>
    public bool Read(Mat frame, out double time)
    {
        time = 0;
        if (!_capture.Read(frame) || frame.Empty())
        {
            return false;
        }

        time = _fps > 0 ? FramesRead / _fps : _capture.Get(VideoCaptureProperties.PosMsec) / 1000;
        if (time <= _lastTime)
        {
            time = _lastTime + 1e-3;
        }

        _lastTime = time;
        FramesRead++;
        return true;
    }

    public void Dispose() => _capture.Dispose();
}
