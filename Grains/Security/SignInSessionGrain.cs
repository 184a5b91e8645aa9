using CityControl.Rules;
using CityControl.Rules.Security;
using CityControl.Security;

namespace CityControl.Grains.Security;

[GenerateSerializer, Alias("citycontrol.signin-session-state.v1")]
public sealed class SignInSessionState
{
    [Id(0)] public SignInSession? Session { get; set; }
}

/// <summary>A sign-in session: written on each change, so that a sign-out holds on every front end and after restarts.</summary>
public sealed class SignInSessionGrain(
    [PersistentState("signin-session", StorageNames.GrainState)] IPersistentState<SignInSessionState> state,
    CityClock clock) : Grain, ISignInSessionGrain
{
    public async Task Start(string username, DateTimeOffset expiresAt)
    {
        if (state.State.Session is not null)
        {
            throw new InvalidOperationException($"Session '{this.GetPrimaryKeyString()}' already started.");
        }

        state.State.Session = new SignInSession(username, clock.UtcNow, expiresAt, 0);
        await state.WriteStateAsync();
    }

    public async Task<SessionRefresh> Refresh(string username, int generation)
    {
        var (session, outcome) = SignInSessionRules.Refresh(state.State.Session, username, generation, clock.UtcNow);
        if (session is not null && session != state.State.Session)
        {
            state.State.Session = session;
            await state.WriteStateAsync();
        }

        return outcome;
    }

    public async Task End(string reason)
    {
        if (state.State.Session is { EndedAt: null } session)
        {
            state.State.Session = session with { EndedAt = clock.UtcNow, EndReason = reason };
            await state.WriteStateAsync();
        }
    }

    public Task<bool> IsActive() => Task.FromResult(state.State.Session?.IsActiveAt(clock.UtcNow) == true);
}
