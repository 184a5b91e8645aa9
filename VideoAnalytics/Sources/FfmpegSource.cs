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

    private readonly IDisposable? _input;

    private FfmpegSource(Process process, TimeSpan stall, IDisposable? input = null)
    {
        _input = input;
        _process = process;
        _output = process.StandardOutput.BaseStream;
        _stall = stall;
        _size = Task.Run(() => ReadOutputSize(process.StandardError));
        _watchdog = new Timer(_ => CheckStall(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    public static FfmpegSource Start(string address, FfmpegOptions options) =>
        new(StartProcess(Arguments(address, options), options, pipedInput: false), options.StallTimeout);

    /// <summary>
    /// ffmpeg decoding what <paramref name="input"/> delivers on its standard input (an HTTP stream the platform fetched
    /// itself); <paramref name="owner"/> (the response) is disposed with the source.
    /// </summary>
    public static FfmpegSource StartPiped(Stream input, string? format, FfmpegOptions options, IDisposable owner)
    {
        var process = StartProcess(Arguments("pipe:0", options, format), options, pipedInput: true);
        var pump = new InputPump(input, process.StandardInput.BaseStream, owner);
        return new FfmpegSource(process, options.StallTimeout, pump);
    }

    private static Process StartProcess(IReadOnlyList<string> arguments, FfmpegOptions options, bool pipedInput)
    {
        var start = new ProcessStartInfo(options.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = pipedInput,
            UseShellExecute = false,
        };
        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {options.Path}");
    }

    /// <summary>ffmpeg's arguments: network-friendly input, wall-clock timestamps (MJPEG over HTTP has none), rate and size filters, raw BGR out.</summary>
    public static IReadOnlyList<string> Arguments(string address, FfmpegOptions options, string? inputFormat = null)
    {
        var args = new List<string> { "-hide_banner", "-nostats", "-loglevel", "info" };
        if (address != "pipe:0")
        {
            args.Add("-nostdin");
        }

        if (address.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            args.AddRange(["-rtsp_transport", "tcp"]);
        }

        args.AddRange(["-use_wallclock_as_timestamps", "1"]);
        if (inputFormat is not null)
        {
            args.AddRange(["-f", inputFormat]);
        }

        args.AddRange(["-i", address, "-an", "-sn"]);
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
        _input?.Dispose();
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

        // After the kill: closing ffmpeg's input first would let it flush a last frame of a stream already given up.
        _input?.Dispose();
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

    /// <summary>Copies the fetched stream into ffmpeg until either ends; disposing it ends both (and the response).</summary>
    private sealed class InputPump : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly IDisposable _owner;
        private int _disposed;

        public InputPump(Stream input, Stream ffmpeg, IDisposable owner)
        {
            _owner = owner;
            _ = Task.Run(async () =>
            {
                try
                {
                    await input.CopyToAsync(ffmpeg, _stop.Token);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or HttpRequestException)
                {
                    // The camera or ffmpeg went away: the read side sees the end of the frames.
                }
                finally
                {
                    try
                    {
                        ffmpeg.Dispose();
                    }
                    catch (IOException)
                    {
                    }
                }
            });
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _stop.Cancel();
                _owner.Dispose();
                _stop.Dispose();
            }
        }
    }

    [GeneratedRegex(@"Video: rawvideo.*?, (\d{2,5})x(\d{2,5})")]
    private static partial Regex OutputVideo();
}
