using System.Diagnostics;
using System.Text;

namespace CityControl.Testing;

/// <summary>
/// One of the platform's hosts (a web front end, a silo, a video worker) as its own operating-system process, so that
/// a test can kill it without a graceful shutdown.
/// </summary>
public sealed class PlatformProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PlatformProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>How the process ended (on Linux a death by signal is 128 + the signal's number); only once it has.</summary>
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public const string WebFrontEnd = "CityControl.ControlRoom.Web.dll";
    public const string Silo = "CityControl.Silo.dll";
    public const string VideoWorker = "CityControl.VideoAnalytics.dll";

    /// <summary>
    /// A video worker for the platform started with <paramref name="platformSettings"/> (same storage and cluster), on
    /// its own health port.
    /// </summary>
    public static Task<PlatformProcess> StartVideoWorkerAsync(Dictionary<string, string> platformSettings, string workerId, string? binaries = null)
    {
        var settings = new Dictionary<string, string>(platformSettings)
        {
            ["urls"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["CityControl:Video:WorkerId"] = workerId,
        };
        return StartAsync(settings, binaries, VideoWorker);
    }

    /// <summary>Starts <paramref name="host"/> (the web front end unless said) from <paramref name="binaries"/> (by default, beside the caller's own binaries).</summary>
    public static async Task<PlatformProcess> StartAsync(Dictionary<string, string> settings, string? binaries = null, string host = WebFrontEnd, string[]? arguments = null)
    {
        binaries ??= AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = binaries,
        };
        start.ArgumentList.Add(Path.Combine(binaries, host));
        foreach (var argument in arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var arg in PlatformSettings.ToArgs(settings))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the platform did not start");
        var platform = new PlatformProcess(process, new Uri(settings["urls"]));
        process.OutputDataReceived += (_, e) => platform.Append(e.Data);
        process.ErrorDataReceived += (_, e) => platform.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await platform.WaitHealthyAsync();
        return platform;
    }

    /// <summary>SIGKILL: no shutdown hooks, no grain deactivation, nothing flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager or Ctrl+C stops it; returns how long the process took to exit, or throws past <paramref name="bound"/>.</summary>
    public async Task<TimeSpan> StopAsync(TimeSpan bound)
    {
        var started = Stopwatch.GetTimestamp();
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await term!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the platform was still running {bound.TotalSeconds:0} s after SIGTERM:\n{Output}");
        }

        return Stopwatch.GetElapsedTime(started);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the platform exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the platform did not become healthy:\n{Output}");
    }
}
