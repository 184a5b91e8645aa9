using System.Diagnostics;
using CityControl.Testing;
using CityControl.Video;
using CityControl.Video.Live;
using CityControl.Video.Sources;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityControl.Tests.Video;

/// <summary>
/// Live camera pipelines on real streams: an HTTP MJPEG camera served by Debian's ffmpeg from a real clip, which goes
/// silent (the server process is frozen) and comes back (a new server on the same address).
/// </summary>
public sealed class CameraPipelineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_stream_that_goes_silent_is_reported_lost_and_when_it_comes_back_restored_and_analysis_resumes_on_its_own()
    {
        var port = FreePorts.Next();
        var address = $"http://127.0.0.1:{port}/camera.mjpg";
        var sink = new RecordingSink();
        var options = new PipelineOptions
        {
            InitialBackoff = TimeSpan.FromMilliseconds(250),
            MaxBackoff = TimeSpan.FromSeconds(1),
            AliveInterval = TimeSpan.FromSeconds(1),
            Ffmpeg = { StallTimeout = TimeSpan.FromSeconds(3), DeliverFps = 0 },

            // The test's camera is ffmpeg on loopback, which the source policy refuses unless allowed.
            Sources = { AllowedNetworks = ["127.0.0.1/32"] },
        };
        var first = MjpegCamera.Start(port);
        await using var pipeline = new CameraPipeline("cam-net", address, CameraAnalyticsConfig.Default, sink, null, options, TimeProvider.System, NullLogger.Instance);
        pipeline.Start();

        await sink.WaitFor(VideoEventType.StreamRestored, 0, Patience);
        await pipeline.WhenAnalysed(15).WaitAsync(Patience);
        var seen = sink.Events.Count;
        first.Freeze();
        var lost = await sink.WaitFor(VideoEventType.StreamLost, seen, Patience);
        var analysedWhileLost = pipeline.Status.FramesAnalysed;

        // An absence needs a span of time to show in: the reconnection attempts of 1.5 s against the frozen camera.
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        var stillWhileLost = pipeline.Status.FramesAnalysed;
        first.Dispose();
        using var second = MjpegCamera.Start(port);
        var restored = await sink.WaitFor(VideoEventType.StreamRestored, seen, Patience);
        await pipeline.WhenAnalysed(analysedWhileLost + 15).WaitAsync(Patience);
        var status = pipeline.Status;

        // Before the camera's server listens, the first attempts fail: that is a loss too, before the stream is first up.
        Assert.Equal([VideoEventType.StreamRestored, VideoEventType.StreamLost, VideoEventType.StreamRestored],
            sink.Events.SkipWhile(e => e.Type == VideoEventType.StreamLost).Select(e => e.Type));
        Assert.Equal("the stream ended or went silent", lost.Detail);
        Assert.StartsWith("stream back after ", restored.Detail);
        Assert.EndsWith("s, 768x432", restored.Detail);
        Assert.Equal(analysedWhileLost, stillWhileLost);
        Assert.True(status.StreamUp);
        Assert.InRange(status.Reconnects, 1, 20);
        Assert.True(sink.Alive > 0, "the heartbeat reached the sink while the stream was up");

        // ffmpeg delivers the camera's 12.5 fps; the analysis takes 5 of them a second and the rest are dropped, not queued.
        Assert.True(status.FramesDropped > status.FramesRead / 3, $"{status.FramesDropped} of {status.FramesRead} frames dropped");
        Assert.True(restored.Time > lost.Time && lost.At < restored.At);
    }

    [Fact]
    public async Task A_camera_whose_host_name_resolves_to_loopback_is_refused_at_connection_and_nothing_is_contacted()
    {
        // A name that passes the check of the address as typed, but resolves (here, by the resolver given) to loopback.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var sink = new RecordingSink();
        var options = new PipelineOptions { InitialBackoff = TimeSpan.FromMilliseconds(250), MaxBackoff = TimeSpan.FromSeconds(1) };
        await using var pipeline = new CameraPipeline("cam-rebind", $"http://camera-7.example:{port}/camera.mjpg", CameraAnalyticsConfig.Default, sink, null, options,
            TimeProvider.System, NullLogger.Instance, a => FrameSources.Open(a, options.Ffmpeg, options.Sources, TimeProvider.System, _ => [System.Net.IPAddress.Loopback]));
        pipeline.Start();

        var lost = await sink.WaitFor(VideoEventType.StreamLost, 0, Patience);

        Assert.StartsWith("camera-7.example: must not point at 127.0.0.1 (loopback)", lost.Detail!, StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the camera's address was contacted");
    }

    [Fact]
    public async Task An_http_camera_is_followed_through_a_redirect_only_to_an_allowed_address_and_a_refused_target_is_never_contacted()
    {
        // The camera's server (127.0.0.2, allowed) redirects: once to the real camera, once to loopback (refused).
        using var target = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        target.Start();
        var refusedUrl = $"http://127.0.0.1:{((System.Net.IPEndPoint)target.LocalEndpoint).Port}/admin";
        var cameraPort = FreePorts.Next();
        using var camera = MjpegCamera.Start(cameraPort);
        await using var toCamera = await Redirector.StartAsync($"http://127.0.0.1:{cameraPort}/camera.mjpg");
        await using var toLoopback = await Redirector.StartAsync(refusedUrl);
        var options = new PipelineOptions
        {
            InitialBackoff = TimeSpan.FromMilliseconds(250),
            MaxBackoff = TimeSpan.FromSeconds(1),
            Ffmpeg = { DeliverFps = 0 },
            Sources = { AllowedNetworks = ["127.0.0.2/32", $"127.0.0.1/32"] },
        };
        var strict = new PipelineOptions { InitialBackoff = options.InitialBackoff, MaxBackoff = options.MaxBackoff, Sources = { AllowedNetworks = ["127.0.0.2/32"] } };
        var (followed, refused) = (new RecordingSink(), new RecordingSink());
        await using var good = new CameraPipeline("cam-redirected", toCamera.Address, CameraAnalyticsConfig.Default, followed, null, options, TimeProvider.System, NullLogger.Instance);
        await using var bad = new CameraPipeline("cam-ssrf", toLoopback.Address, CameraAnalyticsConfig.Default, refused, null, strict, TimeProvider.System, NullLogger.Instance);
        good.Start();
        bad.Start();

        await followed.WaitFor(VideoEventType.StreamRestored, 0, Patience);
        await good.WhenAnalysed(5).WaitAsync(Patience);
        var lost = await refused.WaitFor(VideoEventType.StreamLost, 0, Patience);

        Assert.StartsWith($"redirected to {refusedUrl}: must not point at 127.0.0.1 (loopback)", lost.Detail!, StringComparison.Ordinal);
        Assert.True(toLoopback.Requests >= 1, "the camera's own server was asked");
        Assert.False(target.Pending(), "the address the camera redirected to was contacted");
        Assert.True(good.Status.StreamUp);
    }

    [Fact]
    public async Task A_looped_file_is_analysed_at_five_frames_a_second_whatever_its_own_rate_with_the_newest_frame_as_live_view()
    {
        var sink = new RecordingSink();
        var options = new PipelineOptions { LiveViewFps = 5, Sources = { FileFolders = [RepoPaths.Data("video")] } };
        var started = Stopwatch.StartNew();
        await using (var pipeline = new CameraPipeline("cam-file", RepoPaths.Data("video", "intel_car-detection.mp4"), CameraAnalyticsConfig.Default, sink, null, options, TimeProvider.System, NullLogger.Instance))
        {
            pipeline.Start();
            await pipeline.WhenAnalysed(20).WaitAsync(Patience);
            var status = pipeline.Status;
            var elapsed = started.Elapsed.TotalSeconds;
            var live = pipeline.Live!;

            Assert.InRange(status.FramesAnalysed, 20, (5 * elapsed) + 2);
            // The clip runs at 12.5 fps in real time: about 2.5 frames read for every one analysed.
            Assert.InRange(status.FramesRead, 2 * status.FramesAnalysed, (12.5 * elapsed) + 2);
            Assert.Equal((768, 432), (live.Width, live.Height));
            using var decoded = OpenCvSharp.Cv2.ImDecode(live.Jpeg, OpenCvSharp.ImreadModes.Color);
            Assert.Equal(new OpenCvSharp.Size(768, 432), decoded.Size());
        }

        Assert.Equal([VideoEventType.StreamRestored], sink.Events.Select(e => e.Type));
    }

    /// <summary>A camera's web server on 127.0.0.2 that answers every request with a redirect.</summary>
    private sealed class Redirector : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _requests;

        private Redirector(System.Net.Sockets.TcpListener listener, string location)
        {
            _listener = listener;
            Address = $"http://127.0.0.2:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/camera.mjpg";
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var stream = client.GetStream();
                    var buffer = new byte[4096];
                    var read = 0;
                    while (read < buffer.Length && !System.Text.Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var n = await stream.ReadAsync(buffer.AsMemory(read), _stop.Token);
                        if (n == 0)
                        {
                            break;
                        }

                        read += n;
                    }

                    Interlocked.Increment(ref _requests);
                    await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token);
                }
            });
        }

        public string Address { get; }

        public int Requests => Volatile.Read(ref _requests);

        public static Task<Redirector> StartAsync(string location)
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse("127.0.0.2"), 0);
            listener.Start();
            return Task.FromResult(new Redirector(listener, location));
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException or IOException)
            {
            }

            _stop.Dispose();
        }
    }

    /// <summary>An HTTP MJPEG camera: ffmpeg serving a real clip in a loop, in real time, to one client.</summary>
    private sealed class MjpegCamera : IDisposable
    {
        private readonly Process _process;

        private MjpegCamera(Process process) => _process = process;

        public static MjpegCamera Start(int port)
        {
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var arg in new[]
            {
                "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", RepoPaths.Data("video", "intel_car-detection.mp4"),
                "-an", "-c:v", "mjpeg", "-q:v", "5", "-f", "mpjpeg", "-listen", "1", $"http://127.0.0.1:{port}/camera.mjpg",
            })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            return new MjpegCamera(process);
        }

        /// <summary>The camera stops sending but keeps the connection open: only the silence tells.</summary>
        public void Freeze() => Process.Start("kill", ["-STOP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}

/// <summary>A pipeline's sink that keeps what it hears, for tests.</summary>
public sealed class RecordingSink : IVideoEventSink
{
    private readonly List<VideoEvent> _events = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private int _alive;

    public IReadOnlyList<VideoEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public int Alive => Volatile.Read(ref _alive);

    public Task ReportAsync(string cameraId, VideoEvent videoEvent, CancellationToken cancellationToken)
    {
        lock (_events)
        {
            _events.Add(videoEvent);
        }

        _arrived.Release();
        return Task.CompletedTask;
    }

    public Task AliveAsync(string cameraId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _alive);
        return Task.CompletedTask;
    }

    /// <summary>The first event of a type after the first <paramref name="after"/> events, once it has arrived.</summary>
    public async Task<VideoEvent> WaitFor(VideoEventType type, int after, TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        while (true)
        {
            if (Events.Skip(after).FirstOrDefault(e => e.Type == type) is { } found)
            {
                return found;
            }

            await _arrived.WaitAsync(timeout.Token);
        }
    }
}
