using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using CityControl.Video.Cli;
using CityControl.Video.Live;
using Microsoft.Extensions.Logging;

namespace CityControl.Video.Hosting;

/// <summary>
/// Runs a suspect camera's pipeline in a child process of this worker's own binary (the <c>probe</c> command), so
/// that a source that crashes the native libraries kills the child, not the worker. Crashed means the child ended
/// other than with 0 (on Linux a signal shows as 128 + its number); a child that outlives its time is stopped and
/// counts as not crashed (a hang stalls one camera's threads, it does not take the worker down).
/// </summary>
public sealed partial class CameraProbe(PipelineOptions options, ILogger<CameraProbe> logger)
{
    private static readonly TimeSpan StartAllowance = TimeSpan.FromSeconds(30);

    public async Task<ProbeOutcome> RunAsync(CameraStream stream, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add("probe");
        using var child = Process.Start(start) ?? throw new InvalidOperationException("the probe process did not start");
        var output = child.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = child.StandardError.ReadToEndAsync(cancellationToken);
        await child.StandardInput.WriteAsync(JsonSerializer.Serialize(new ProbeRequest(stream.CameraId, stream.Address, stream.Analytics, options), AnalyzeCommand.Json));
        child.StandardInput.Close();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ProbeDuration + StartAllowance);
        try
        {
            await child.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            child.Kill(entireProcessTree: true);
            LogProbeHung(stream.CameraId);
            return new ProbeOutcome(false, $"the probe did not finish within {(options.ProbeDuration + StartAllowance).TotalSeconds:0} s and was stopped");
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw;
        }

        var said = LastLine(await output) ?? LastLine(await errors) ?? "nothing";
        if (child.ExitCode == 0)
        {
            LogProbePassed(stream.CameraId, said);
            return new ProbeOutcome(false, said);
        }

        var how = child.ExitCode > 128 ? $"killed by signal {child.ExitCode - 128}{SignalName(child.ExitCode - 128)}" : $"exit code {child.ExitCode}";
        var detail = $"the probe process was {how}; its last words: {LastLine(await errors) ?? said}";
        LogProbeCrashed(stream.CameraId, detail);
        return new ProbeOutcome(true, detail);
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() is { } line
            ? line.Length > 300 ? line[..300] : line
            : null;

    private static string SignalName(int signal) => signal switch
    {
        4 => " (SIGILL)",
        6 => " (SIGABRT)",
        7 => " (SIGBUS)",
        8 => " (SIGFPE)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        _ => "",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe of camera {CameraId} passed: {Said}")]
    private partial void LogProbePassed(string cameraId, string said);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Probe of camera {CameraId} crashed: {Detail}")]
    private partial void LogProbeCrashed(string cameraId, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Probe of camera {CameraId} hung and was stopped; the camera runs as any other")]
    private partial void LogProbeHung(string cameraId);
}
