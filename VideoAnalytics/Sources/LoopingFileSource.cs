using OpenCvSharp;

namespace CityControl.Video.Sources;

/// <summary>
/// A video file played as a live camera: at the file's own frame rate in real time (the reader waits for each frame's
/// moment), from the start again when it ends. For the demo city and for tests of live behaviour on real footage.
/// </summary>
public sealed class LoopingFileSource : IFrameSource
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly long _started;
    private VideoFile _file;
    private double _offset;
    private double _last;

    public LoopingFileSource(string path, TimeProvider time)
    {
        _path = path;
        _time = time;
        _file = new VideoFile(path);
        _started = time.GetTimestamp();
    }

    public bool Read(Mat frame)
    {
        if (!_file.Read(frame, out var t))
        {
            _file.Dispose();
            _file = new VideoFile(_path);
            _offset = _last + 1 / (_file.FramesPerSecond > 0 ? _file.FramesPerSecond : 25);
            if (!_file.Read(frame, out t))
            {
                return false;
            }
        }

        _last = _offset + t;
        var wait = TimeSpan.FromSeconds(_last) - _time.GetElapsedTime(_started);
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }

        return true;
    }

    /// <summary>Nothing to do: a file read returns within one frame interval.</summary>
    public void Interrupt()
    {
    }

    public void Dispose() => _file.Dispose();
}
