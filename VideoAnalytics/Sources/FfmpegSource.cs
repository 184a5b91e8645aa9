using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace CityControl.Video.Sources;

/// <summary>How network streams are opened: the ffmpeg binary, the rate frames are delivered at, and when a silent stream counts as lost.</summary>
public sealed class FfmpegOptions
{
    public string Path { get; set; } = "ffmpeg";

    /// <summary>Frames per second ffmpeg delivers (it drops the rest before they cross the pipe); 0 delivers every frame.</summary>
    public double DeliverFps { get; set; } = 10;

    /// <summary>Widest frame delivered (ffmpeg scales larger streams down, keeping the aspect); 0 keeps the stream's size.</summary>
    public int MaxWidth { get; set; } = 1280;

    /// <summary>No frame for this long and the stream counts as lost (ffmpeg is stopped and the pipeline reconnects).</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// A network stream (RTSP, HTTP MJPEG, ...) decoded by Debian's ffmpeg, whose raw BGR frames arrive on a pipe:
/// OpenCvSharp's bundled FFmpeg has no network protocols. The frame size is read from ffmpeg's own report of its
/// output stream. A watchdog stops ffmpeg when no frame arrives within the stall timeout, so a silent stream ends
/// the read instead of hanging it.
/// </summary>
public sealed partial class FfmpegSource : IFrameSource
{
    private readonly Process _process;
    private readonly Stream _output;
    private readonly TimeSpan _stall;
    private readonly Timer _watchdog;
    private readonly Task<Size?> _size;
    private byte[] _buffer = [];
    private long _lastFrame = Stopwatch.GetTimestamp();
    private int _width;
    private int _height;

    private FfmpegSource(Process process, TimeSpan stall)
    {
        _process = process;
        _output = process.StandardOutput.BaseStream;
        _stall = stall;
        _size = Task.Run(() => ReadOutputSize(process.StandardError));
        _watchdog = new Timer(_ => CheckStall(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    public static FfmpegSource Start(string address, FfmpegOptions options)
    {
        var start = new ProcessStartInfo(options.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments(address, options))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {options.Path}");
        return new FfmpegSource(process, options.StallTimeout);
    }

    /// <summary>ffmpeg's arguments: network-friendly input, wall-clock timestamps (MJPEG over HTTP has none), rate and size filters, raw BGR out.</summary>
    public static IReadOnlyList<string> Arguments(string address, FfmpegOptions options)
    {
        var args = new List<string> { "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info" };
        if (address.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            args.AddRange(["-rtsp_transport", "tcp"]);
        }

        args.AddRange(["-use_wallclock_as_timestamps", "1", "-i", address, "-an", "-sn"]);
        var filters = new List<string>();
        if (options.DeliverFps > 0)
        {
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"fps={options.DeliverFps}"));
        }

        if (options.MaxWidth > 0)
        {
            filters.Add($"scale='min({options.MaxWidth},iw)':-2");
        }

        if (filters.Count > 0)
        {
            args.AddRange(["-vf", string.Join(",", filters)]);
        }

        args.AddRange(["-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]);
        return args;
    }

    public bool Read(Mat frame)
    {
        if (_width == 0)
        {
            if (_size.Result is not { } size)
            {
                return false;
            }

            (_width, _height) = (size.Width, size.Height);
            _buffer = new byte[_width * _height * 3];
        }

        var read = 0;
        while (read < _buffer.Length)
        {
            int n;
            try
            {
                n = _output.Read(_buffer, read, _buffer.Length - read);
            }
            catch (IOException)
            {
                return false;
            }

            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        Interlocked.Exchange(ref _lastFrame, Stopwatch.GetTimestamp());
        frame.Create(_height, _width, MatType.CV_8UC3);
        System.Runtime.InteropServices.Marshal.Copy(_buffer, 0, frame.Data, _buffer.Length);
        return true;
    }

    /// <summary>Stops ffmpeg, which ends the pipe read in progress.</summary>
    public void Interrupt() => Stop();

    public void Dispose()
    {
        _watchdog.Dispose();
        Stop();
        _process.Dispose();
    }

    private void CheckStall()
    {
        if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastFrame)) > _stall)
        {
            Stop();
        }
    }

    private void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    /// <summary>Reads ffmpeg's report until it names the size of its raw output stream, then drains the rest (so ffmpeg never blocks on it).</summary>
    private static Size? ReadOutputSize(StreamReader error)
    {
        Size? size = null;
        var inOutput = false;
        while (error.ReadLine() is { } line)
        {
            if (line.StartsWith("Output #0", StringComparison.Ordinal))
            {
                inOutput = true;
            }
            else if (size is null && inOutput && OutputVideo().Match(line) is { Success: true } m)
            {
                size = new Size(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
                _ = Task.Run(() => Drain(error));
                return size;
            }
        }

        return size;
    }

    private static void Drain(StreamReader error)
    {
        while (error.ReadLine() is not null)
        {
        }
    }

    [GeneratedRegex(@"Video: rawvideo.*?, (\d{2,5})x(\d{2,5})")]
    private static partial Regex OutputVideo();
}
