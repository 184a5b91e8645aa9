using System.Text.Json;
using CityControl.Video.Live;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityControl.Video.Cli;

/// <summary>What a worker hands its probe process on standard input (never on the command line: stream addresses may hold credentials).</summary>
public sealed record ProbeRequest(string CameraId, string Address, CameraAnalyticsConfig Analytics, PipelineOptions Options);

/// <summary>
/// <c>probe</c>: runs one camera's pipeline, as a worker would, in this process alone: it opens the source, reads and
/// analyses frames until <see cref="PipelineOptions.ProbeFrames"/> are analysed or <see cref="PipelineOptions.ProbeDuration"/>
/// has passed, then exits 0 with a one-line summary. If the source crashes the native libraries, this process dies
/// instead of the worker, and the worker reports the crash (see <see cref="Hosting.CameraProbe"/>).
/// </summary>
public static class ProbeCommand
{
    public static async Task<int> RunAsync(TextReader input, TextWriter output, TextWriter error)
    {
        ProbeRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<ProbeRequest>(await input.ReadToEndAsync(), AnalyzeCommand.Json);
        }
        catch (JsonException ex)
        {
            await error.WriteLineAsync($"probe: the request on standard input is not valid: {ex.Message}");
            return 2;
        }

        if (request is null)
        {
            await error.WriteLineAsync("probe: no request on standard input");
            return 2;
        }

        var sink = new DiscardingSink();
        var pipeline = new CameraPipeline(request.CameraId, request.Address, request.Analytics ?? CameraAnalyticsConfig.Default, sink, null, request.Options,
            TimeProvider.System, NullLogger.Instance);
        await using (pipeline)
        {
            pipeline.Start();
            await Task.WhenAny(pipeline.WhenAnalysed(request.Options.ProbeFrames), Task.Delay(request.Options.ProbeDuration));
        }

        var status = pipeline.Status;
        await output.WriteLineAsync($"probe of {request.CameraId}: stream {(status.StreamUp ? "up" : "down")}, {status.FramesRead} frames read, " +
            $"{status.FramesAnalysed} analysed, {sink.Events} events{(status.LastError is { } e ? $", last error: {e}" : "")}");
        return 0;
    }

    /// <summary>A probe's events go nowhere: it only shows whether the source can be analysed without crashing.</summary>
    private sealed class DiscardingSink : IVideoEventSink
    {
        private int _events;

        public int Events => _events;

        public Task ReportAsync(string cameraId, VideoEvent videoEvent, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _events);
            return Task.CompletedTask;
        }

        public Task AliveAsync(string cameraId, DateTimeOffset at, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
