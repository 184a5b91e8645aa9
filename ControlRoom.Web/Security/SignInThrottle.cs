using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Security;

/// <summary>Limits on guessing passwords, from <c>CityControl:SignIn</c>.</summary>
public sealed class SignInThrottleOptions
{
    public const string Section = "CityControl:SignIn";

    /// <summary>Wrong passwords allowed per user within <see cref="Window"/> before that user's sign-in waits.</summary>
    public int FreeFailures { get; set; } = 5;

    /// <summary>
    /// Wrong passwords allowed per client address (any user) before sign-in from it waits: higher, because a control
    /// room's consoles often share one address and one guesser must not lock them all out.
    /// </summary>
    public int FreeFailuresPerAddress { get; set; } = 50;

    /// <summary>How long failures are remembered.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The first wait after the free failures; it doubles with every further failure, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Sign-in attempts per user and per client address: after a few wrong passwords every further attempt waits a
/// doubling delay, and one made before it is over is refused (429 with Retry-After) without checking the password, so
/// a guesser costs the server nothing. A right password clears the user's count. Kept in this front end's memory.
/// </summary>
public sealed class SignInThrottle(IOptions<SignInThrottleOptions> options, TimeProvider time)
{
    private readonly SignInThrottleOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    /// <summary>
    /// How early a retry may come and still be let through: a client that waits exactly the Retry-After it was given
    /// can arrive a millisecond early by its own timer's granularity (seen in a loaded test run), and must not be
    /// refused again for it.
    /// </summary>
    public static readonly TimeSpan RetryTolerance = TimeSpan.FromMilliseconds(50);

    /// <summary>How long the caller must wait before trying again, or null when it may try now.</summary>
    public TimeSpan? WaitFor(string username, IPAddress? client)
    {
        var now = time.GetUtcNow();
        var wait = Keys(username, client).Select(k => _failures.TryGetValue(k, out var f) ? f.LockedUntil(now, _options, Free(k)) - now : TimeSpan.Zero).Max();
        return wait > RetryTolerance ? wait : null;
    }

    public void Failed(string username, IPAddress? client)
    {
        var now = time.GetUtcNow();
        Prune(now);
        foreach (var key in Keys(username, client))
        {
            _failures.AddOrUpdate(key, _ => new Failures(1, now), (_, f) => now - f.Last > _options.Window ? new Failures(1, now) : new Failures(f.Count + 1, now));
        }
    }

    public void Succeeded(string username) => _failures.TryRemove(UserKey(username), out _);

    private int Free(string key) => key.StartsWith("ip:", StringComparison.Ordinal) ? _options.FreeFailuresPerAddress : _options.FreeFailures;

    private static string[] Keys(string username, IPAddress? client) => [UserKey(username), "ip:" + (client?.ToString() ?? "unknown")];

    private static string UserKey(string username) => "user:" + username.Trim().ToLowerInvariant();

    private void Prune(DateTimeOffset now)
    {
        if (_failures.Count < 10_000)
        {
            return;
        }

        foreach (var (key, f) in _failures)
        {
            if (now - f.Last > _options.Window)
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    private sealed record Failures(int Count, DateTimeOffset Last)
    {
        public DateTimeOffset LockedUntil(DateTimeOffset now, SignInThrottleOptions o, int free)
        {
            if (Count < free || now - Last > o.Window)
            {
                return now;
            }

            var doublings = Math.Min(Count - free, 20);
            var delay = TimeSpan.FromTicks(Math.Min(o.FirstDelay.Ticks << doublings, o.MaxDelay.Ticks));
            return Last + delay;
        }
    }
}
