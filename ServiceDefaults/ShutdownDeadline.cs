using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.ServiceDefaults;

/// <summary>
/// The hard end of a graceful stop. Hosted services get <see cref="HostOptions.ShutdownTimeout"/> to stop; a part
/// that keeps retrying against storage that is gone (cluster membership, stream registrations) could still hold the
/// process open. Once the stop has run this long past its bound, the process says so and exits: whatever was not saved
/// by then is left to the ingest journal's replay, which a stop that was not clean always triggers.
/// </summary>
public sealed partial class ShutdownDeadline(
    IHostApplicationLifetime lifetime,
    IOptions<HostOptions> host,
    IEnumerable<UnsavedStateProbe> probes,
    IConfiguration configuration,
    ILogger<ShutdownDeadline> logger) : IHostedService, IDisposable
{
    /// <summary>False where the host shares its process with others (a test run): past the deadline it only says so.</summary>
    public const string ExitKey = "CityControl:ExitPastShutdownDeadline";

    /// <summary>Time beyond the shutdown timeout for disposing what the stop left.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly ManualResetEventSlim _disposed = new();
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() => Watch(host.Value.ShutdownTimeout + Grace));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Where the host shares its process (exit off), the deadline ends with the host. Where the host is the process, it
    /// stays armed through the host's disposal, which runs after this is disposed and can overrun too (seen under load:
    /// a stop that logged its clean stop and then never ended); once the host is gone the process ends anyway.
    /// </summary>
    public void Dispose()
    {
        _registration.Dispose();
        if (!configuration.GetValue(ExitKey, true))
        {
            _disposed.Set();
        }
    }

    /// <summary>
    /// A thread of its own, not the thread pool, waits out the bound: a stop that overran may have starved the pool, or
    /// blocked every logger on a full output pipe.
    /// </summary>
    private void Watch(TimeSpan bound)
    {
        var exit = configuration.GetValue(ExitKey, true);
        new Thread(() =>
        {
            if (_disposed.Wait(bound))
            {
                return;
            }

            if (exit)
            {
                // Saying why may block (a full output pipe, a stuck logger): the process ends two seconds later regardless.
                new Thread(() =>
                {
                    Thread.Sleep(TimeSpan.FromSeconds(2));
                    ExitNow(3);
                }) { IsBackground = true, Name = "shutdown deadline exit" }.Start();
            }

            var unsaved = string.Join("; ", probes.Select(p => p.Describe()));
            LogExceeded(bound, unsaved.Length > 0 ? unsaved : "unknown");
            if (exit)
            {
                // Straight to the operating system: Environment.Exit runs the host's process-exit handler, which waits
                // for the host's disposal, the very thing that overran.
                // The logger's queue is not flushed by _exit: the same words go to standard error directly.
                Console.Error.WriteLine($"Still stopping {bound} after the stop began: exiting now. Not saved: {(unsaved.Length > 0 ? unsaved : "unknown")}; it is replayed from the ingest journal at the next start");
                Console.Error.Flush();
                ExitNow(3);
            }
        }) { IsBackground = true, Name = "shutdown deadline" }.Start();
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int status);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Still stopping {Bound} after the stop began: exiting now. Not saved: {Unsaved}; it is replayed from the ingest journal at the next start")]
    private partial void LogExceeded(TimeSpan bound, string unsaved);
}

/// <summary>
/// What a part of the host holds only in memory: how many things (a stop with any is not clean) and in words, for the
/// log line of a stop that runs out of time.
/// </summary>
public sealed record UnsavedStateProbe(Func<int> Count, Func<string> Describe);
