using CityControl.Rules;
using CityControl.Rules.Security;
using CityControl.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace CityControl.Grains.Security;

[GenerateSerializer, Alias("citycontrol.signin-session-state.v1")]
public sealed class SignInSessionState
{
    [Id(0)] public SignInSession? Session { get; set; }
}

/// <summary>
/// A sign-in session. Every change is written at once so that a sign-out holds on every front end and after restarts;
/// when storage is away the change holds in memory (people can still sign in and out) and is written as soon as
/// storage answers again, retried every few seconds, and at deactivation. A new session is not read from storage
/// first (its id is new and random), so signing in does not need storage to answer; any other call reads it once.
/// </summary>
public sealed partial class SignInSessionGrain(CityClock clock, ILogger<SignInSessionGrain> logger) : Grain, ISignInSessionGrain
{
    private const string StateName = "signin-session";

    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);

    /// <summary>How long a change waits for storage before the call returns with the change held in memory.</summary>
    private static readonly TimeSpan WriteBound = TimeSpan.FromSeconds(2);

    private readonly GrainState<SignInSessionState> _state = new(new SignInSessionState());
    private IGrainStorage? _storage;
    private Task? _loading;
    private long _changes;
    private long _saved;
    private Task? _writing;
    private IGrainTimer? _retry;

    private IGrainStorage Storage => _storage ??= ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.GrainState);

    private SignInSessionState State => _state.State ??= new SignInSessionState();

    public async Task Start(string username, DateTimeOffset expiresAt)
    {
        _loading ??= Task.CompletedTask;
        if (State.Session is not null)
        {
            throw new InvalidOperationException($"Session '{this.GetPrimaryKeyString()}' already started.");
        }

        State.Session = new SignInSession(username, clock.UtcNow, expiresAt, 0);
        await Save();
    }

    public async Task<SessionRefresh> Refresh(string username, int generation)
    {
        await Load();
        var (session, outcome) = SignInSessionRules.Refresh(State.Session, username, generation, clock.UtcNow);
        if (session is not null && session != State.Session)
        {
            State.Session = session;
            await Save();
        }

        return outcome;
    }

    public async Task End(string reason)
    {
        await Load();
        if (State.Session is { EndedAt: null } session)
        {
            State.Session = session with { EndedAt = clock.UtcNow, EndReason = reason };
            await Save();
        }
    }

    public async Task<bool> IsActive()
    {
        await Load();
        return State.Session?.IsActiveAt(clock.UtcNow) == true;
    }

    /// <summary>Reads the session once per activation (every caller waits for the same read).</summary>
    private async Task Load()
    {
        var loading = _loading ??= Storage.ReadStateAsync(StateName, this.GetGrainId(), _state);
        try
        {
            await loading;
        }
        catch
        {
            // Storage did not answer: the next call reads again.
            if (_loading == loading)
            {
                _loading = null;
            }

            throw;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _retry?.Dispose();
        if (_saved != _changes)
        {
            try
            {
                await Storage.WriteStateAsync(StateName, this.GetGrainId(), _state);
            }
            catch (Exception ex)
            {
                LogLost(ex, this.GetPrimaryKeyString());
            }
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>Writes the change, waiting at most <see cref="WriteBound"/>; past that it is retried until written.</summary>
    private async Task Save()
    {
        _changes++;
        var write = WriteAsync();
        if (await Task.WhenAny(write, Task.Delay(WriteBound)) != write || _saved != _changes)
        {
            LogHeldInMemory(this.GetPrimaryKeyString());
            _retry ??= this.RegisterGrainTimer(static (grain, _) => grain.RetryAsync(), this,
                new GrainTimerCreationOptions(RetryEvery, RetryEvery) { Interleave = true });
        }
    }

    /// <summary>One write at a time, each after the one before; each writes the newest state. Never throws.</summary>
    private Task WriteAsync() => _writing = WriteAfter(_writing ?? Task.CompletedTask);

    private async Task WriteAfter(Task previous)
    {
        await previous;
        var written = _changes;
        if (_saved >= written)
        {
            return;
        }

        try
        {
            await Storage.WriteStateAsync(StateName, this.GetGrainId(), _state);
            _saved = Math.Max(_saved, written);
        }
        catch (Exception ex)
        {
            LogWriteFailed(ex, this.GetPrimaryKeyString());
        }
    }

    private async Task RetryAsync()
    {
        if (_saved == _changes)
        {
            _retry?.Dispose();
            _retry = null;
            return;
        }

        await WriteAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: storage did not take the change in time; it holds in memory and is written when storage answers")]
    private partial void LogHeldInMemory(string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: writing the change failed; retried")]
    private partial void LogWriteFailed(Exception ex, string sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: a change was never written (storage away until deactivation); a restart forgets it")]
    private partial void LogLost(Exception ex, string sessionId);
}
