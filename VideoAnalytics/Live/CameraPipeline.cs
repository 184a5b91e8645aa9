using System.Diagnostics;
using System.Threading.Channels;
using CityControl.Video.Analysis;
using CityControl.Video.Detection;
using CityControl.Video.Evidence;
using CityControl.Video.Sources;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace CityControl.Video.Live;

/// <summary>
/// One camera's live analysis, on two threads of its own. The reader pulls frames from the source as fast as they come
/// and leaves only the newest in a one-frame slot; the analysis takes the newest at the configured rate (about 5 per
/// second), so a slow analysis skips frames and memory stays bounded. When the source ends or goes silent the stream
/// is reported lost, the reader reconnects with doubling waits, and the first frame back reports it restored. Events go
/// to the sink in order from a third, asynchronous loop, after their evidence is stored when they need it; the sink also
/// hears that the stream is up every <see cref="PipelineOptions.AliveInterval"/>.
/// </summary>
public sealed partial class CameraPipeline : IAsyncDisposable
{
    private readonly string _address;
    private readonly CameraAnalyticsConfig _config;
    private readonly IVideoEventSink _sink;
    private readonly IEvidenceStore? _evidence;
    private readonly PipelineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, IFrameSource> _open;
    private readonly ObjectDetector? _detector;
    private readonly LatestFrame _latest = new();
    private readonly Channel<Task<VideoEvent>> _outbox = Channel.CreateBounded<Task<VideoEvent>>(new BoundedChannelOptions(1024) { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly DateTimeOffset _startedAt;
    private readonly long _started;
    private readonly Thread _reader;
    private readonly Thread _analysis;
    private Task _sender = Task.CompletedTask;
    private IFrameSource? _current;
    private volatile bool _up;
    private long _framesRead;
    private long _framesAnalysed;
    private long _framesDetected;
    private long _detectorDropped;
    private readonly List<(long Count, TaskCompletionSource Done)> _analysedWaiters = [];
    private int _waiting;
    private int _reconnects;
    private volatile string? _lastError;
    private volatile LiveView? _live;

    public CameraPipeline(
        string cameraId,
        string address,
        CameraAnalyticsConfig config,
        IVideoEventSink sink,
        IEvidenceStore? evidence,
        PipelineOptions options,
        TimeProvider time,
        ILogger logger,
        Func<string, IFrameSource>? open = null,
        ObjectDetector? detector = null)
    {
        _detector = config.Detector == DetectorMode.Objects ? detector : null;
        CameraId = cameraId;
        _address = address;
        _config = config;
        _sink = sink;
        _evidence = evidence;
        _options = options;
        _time = time;
        _logger = logger;
        _open = open ?? (a => FrameSources.Open(a, options.Ffmpeg, options.Sources, time));
        _startedAt = time.GetUtcNow();
        _started = time.GetTimestamp();
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"video-read {cameraId}" };
        _analysis = new Thread(AnalyseLoop) { IsBackground = true, Name = $"video-analyse {cameraId}" };
    }

    public string CameraId { get; }

    /// <summary>Completes once the pipeline has analysed <paramref name="count"/> frames in all.</summary>
    public Task WhenAnalysed(long count)
    {
        lock (_analysedWaiters)
        {
            if (Interlocked.Read(ref _framesAnalysed) >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _analysedWaiters.Add((count, done));
            Volatile.Write(ref _waiting, _analysedWaiters.Count);
            return done.Task;
        }
    }

    /// <summary>Per analysed frame: nothing but a read unless someone waits.</summary>
    private void ReleaseWaiters(long analysed)
    {
        if (Volatile.Read(ref _waiting) == 0)
        {
            return;
        }

        lock (_analysedWaiters)
        {
            for (var i = _analysedWaiters.Count - 1; i >= 0; i--)
            {
                if (_analysedWaiters[i].Count <= analysed)
                {
                    _analysedWaiters[i].Done.TrySetResult();
                    _analysedWaiters.RemoveAt(i);
                }
            }

            Volatile.Write(ref _waiting, _analysedWaiters.Count);
        }
    }

    /// <summary>
    /// Frames dropped are those read but not analysed (the analysis takes the newest at its rate) and those whose turn
    /// at the worker's detector did not come within an analysis interval. The detector is the model's name, "motion"
    /// for motion-only analysis, or says that the camera asked for objects and the worker has no detector.
    /// </summary>
    public PipelineStatus Status => new(CameraId, _up, Interlocked.Read(ref _framesRead), Interlocked.Read(ref _framesAnalysed),
        _latest.Dropped + Interlocked.Read(ref _detectorDropped), _reconnects, _lastError,
        Detector: _detector?.Name ?? (_config.Detector == DetectorMode.Objects ? "motion (no detector on this worker)" : "motion"),
        FramesDetected: Interlocked.Read(ref _framesDetected));

    /// <summary>The newest annotated frame as JPEG and when it was taken, or null before the first one.</summary>
    public LiveView? Live => _live;

    public void Start()
    {
        _reader.Start();
        _analysis.Start();
        _sender = Task.Run(SendLoop);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();

        // The reader thread disposes its source itself: releasing a capture under a read crashes the process.
        Volatile.Read(ref _current)?.Interrupt();
        _reader.Join(TimeSpan.FromSeconds(10));
        _analysis.Join(TimeSpan.FromSeconds(10));
        _outbox.Writer.TryComplete();
        await _sender.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _latest.Dispose();
        _stop.Dispose();
    }

    private double Now => _time.GetElapsedTime(_started).TotalSeconds;

    private void ReadLoop()
    {
        var frame = new Mat();
        var backoff = _options.InitialBackoff;
        var lostAt = 0.0;
        bool? up = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                string? error = null;
                try
                {
                    var source = _open(_address);
                    Volatile.Write(ref _current, source);
                    if (_stop.IsCancellationRequested)
                    {
                        break;
                    }

                    while (!_stop.IsCancellationRequested && source.Read(frame))
                    {
                        Interlocked.Increment(ref _framesRead);
                        if (up != true)
                        {
                            NativeFault.DrillIfAsked(_options.CrashDrillSource, _address);
                            backoff = _options.InitialBackoff;
                            PostHealth(VideoEventType.StreamRestored,
                                up is null ? $"stream up, {frame.Width}x{frame.Height}" : $"stream back after {Now - lostAt:0.0} s, {frame.Width}x{frame.Height}");
                            up = true;
                            _up = true;
                            LogStreamUp(CameraId, frame.Width, frame.Height);
                        }

                        _latest.Offer(ref frame, Now);
                    }

                    error = "the stream ended or went silent";
                }
                catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or IOException or InvalidOperationException
                    or System.ComponentModel.Win32Exception or SourceRefusedException or System.Net.Sockets.SocketException or HttpRequestException)
                {
                    error = ex.Message;
                }
                finally
                {
                    Interlocked.Exchange(ref _current, null)?.Dispose();
                }

                if (_stop.IsCancellationRequested)
                {
                    break;
                }

                _lastError = error;
                if (up != false)
                {
                    lostAt = Now;
                    up = false;
                    _up = false;
                    LogStreamLost(CameraId, error);
                    PostHealth(VideoEventType.StreamLost, error);
                }

                _reconnects++;
                _stop.Token.WaitHandle.WaitOne(backoff);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
        finally
        {
            frame.Dispose();
        }
    }

    private void AnalyseLoop()
    {
        var work = new Mat();
        var recorder = _evidence is null ? null : new EvidenceRecorder(CameraId, _evidence, _options.PreRollSeconds, _options.PostRollSeconds);
        var interval = TimeSpan.FromSeconds(1 / _config.AnalysisFps);
        var liveInterval = _options.LiveViewFps > 0 ? 1 / _options.LiveViewFps : double.MaxValue;
        var nextLive = 0.0;
        var due = _time.GetTimestamp();
        try
        {
            using var analyzer = new FrameAnalyzer(_config, _time, _detector) { DetectorWait = interval };
            while (!_stop.IsCancellationRequested)
            {
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), due);
                if (wait > TimeSpan.Zero && _stop.Token.WaitHandle.WaitOne(wait))
                {
                    break;
                }

                due = Math.Max(due + (long)(interval.TotalSeconds * Stopwatch.Frequency), _time.GetTimestamp());
                if (!_latest.TryTake(ref work, out var time))
                {
                    continue;
                }

                var events = analyzer.Analyze(work, time).Select(e => e with { At = _startedAt.AddSeconds(e.Time) }).ToList();
                Interlocked.Exchange(ref _framesDetected, analyzer.FramesDetected);
                Interlocked.Exchange(ref _detectorDropped, analyzer.FramesDropped);
                var analysed = Interlocked.Increment(ref _framesAnalysed);
                ReleaseWaiters(analysed);
                var liveDue = time >= nextLive;
                if (recorder is null && !liveDue)
                {
                    events.ForEach(Post);
                    continue;
                }

                // One annotation and one JPEG per analysed frame, shared by the live view and the evidence ring.
                byte[] jpeg;
                using (var annotated = analyzer.Annotate(work))
                {
                    jpeg = EvidenceRecorder.Encode(annotated);
                }

                if (liveDue)
                {
                    nextLive = time + liveInterval;
                    _live = new LiveView(jpeg, _startedAt.AddSeconds(time), work.Width, work.Height);
                }

                if (recorder is null)
                {
                    events.ForEach(Post);
                    continue;
                }

                var (ready, complete) = recorder.Add(time, jpeg, events);
                ready.ForEach(Post);
                complete.ForEach(c => Post(Store(recorder, c)));
            }

            recorder?.Flush().ForEach(c => Post(Store(recorder, c)));
        }
        finally
        {
            work.Dispose();
        }
    }

    private async Task<VideoEvent> Store(EvidenceRecorder recorder, EvidenceRecorder.Completed completed)
    {
        try
        {
            return await recorder.StoreAsync(completed, _config.AnalysisFps, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The event matters more than its pictures: it goes on without evidence, and the log says why.
            LogEvidenceFailed(ex, CameraId, completed.Event.Type);
            return completed.Event with { Detail = $"{completed.Event.Detail} (evidence not stored: {ex.Message})".TrimStart() };
        }
    }

    private void PostHealth(VideoEventType type, string detail)
    {
        var time = Now;
        Post(new VideoEvent(type, time, null, null, null, 1, Detail: detail, At: _startedAt.AddSeconds(time)));
    }

    private void Post(VideoEvent e) => Post(Task.FromResult(e));

    private void Post(Task<VideoEvent> e)
    {
        if (!_outbox.Writer.TryWrite(e))
        {
            LogOutboxFull(CameraId);
        }
    }

    /// <summary>Delivers events in the order they happened (a stored event waits for its upload) and the heartbeat while the stream is up.</summary>
    private async Task SendLoop()
    {
        var lastAlive = long.MinValue;
        var reader = _outbox.Reader;
        Task<bool>? waitForEvent = null;
        Task? heartbeat = null;
        while (true)
        {
            waitForEvent ??= reader.WaitToReadAsync().AsTask();
            heartbeat ??= Task.Delay(_options.AliveInterval, _time);
            if (await Task.WhenAny(waitForEvent, heartbeat) == waitForEvent)
            {
                if (!await waitForEvent)
                {
                    return;
                }

                waitForEvent = null;
            }
            else
            {
                heartbeat = null;
            }

            while (reader.TryRead(out var pending))
            {
                var e = await pending;
                await Deliver(() => _sink.ReportAsync(CameraId, e, CancellationToken.None), e.Type.ToString());
            }

            if (_up && _time.GetElapsedTime(lastAlive == long.MinValue ? _started : lastAlive) >= _options.AliveInterval * 0.9)
            {
                lastAlive = _time.GetTimestamp();
                await Deliver(() => _sink.AliveAsync(CameraId, _time.GetUtcNow(), CancellationToken.None), "alive");
            }
        }
    }

    private async Task Deliver(Func<Task> send, string what)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await send();
                return;
            }
            catch (Exception ex) when (attempt < 3)
            {
                LogDeliveryRetry(ex, CameraId, what, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), _time);
            }
            catch (Exception ex)
            {
                LogDeliveryFailed(ex, CameraId, what);
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId} stream up ({Width}x{Height})")]
    private partial void LogStreamUp(string cameraId, int width, int height);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId} stream lost: {Error}")]
    private partial void LogStreamLost(string cameraId, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId} could not store evidence of {Type}")]
    private partial void LogEvidenceFailed(Exception ex, string cameraId, VideoEventType type);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId} has 1024 events waiting for delivery; dropping new ones")]
    private partial void LogOutboxFull(string cameraId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId} could not deliver {What} (attempt {Attempt}); retrying")]
    private partial void LogDeliveryRetry(Exception ex, string cameraId, string what, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId} gave up delivering {What}")]
    private partial void LogDeliveryFailed(Exception ex, string cameraId, string what);
}

