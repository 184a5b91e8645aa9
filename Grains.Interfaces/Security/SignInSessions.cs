using Orleans.Concurrency;
namespace CityControl.Security;

/// <summary>
/// One sign-in of a control-room user: every token issued for it (the first, and each refresh) carries its id, so
/// signing out ends them all at once. <see cref="Generation"/> counts refreshes: only the newest refresh token is good,
/// and an older one presented again ends the session (a stolen refresh token used after its owner refreshed).
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.signin-session.v1")]
public sealed record class SignInSession(
    [property: Id(0)] string Username,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] DateTimeOffset ExpiresAt,
    [property: Id(3)] int Generation,
    [property: Id(4)] DateTimeOffset? EndedAt = null,
    [property: Id(5)] string? EndReason = null)
{
    public bool IsActiveAt(DateTimeOffset now) => EndedAt is null && now < ExpiresAt;
}

/// <summary>What became of a refresh: the new generation, or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.session-refresh.v1")]
public sealed record class SessionRefresh(
    [property: Id(0)] int? Generation,
    [property: Id(1)] string? Refused);

/// <summary>A sign-in session, keyed by its random id.</summary>
public interface ISignInSessionGrain : IGrainWithStringKey
{
    /// <summary>Starts the session for the user; its tokens can be refreshed until <paramref name="expiresAt"/>.</summary>
    Task Start(string username, DateTimeOffset expiresAt);

    /// <summary>Moves the session to its next generation if <paramref name="generation"/> is its current one.</summary>
    Task<SessionRefresh> Refresh(string username, int generation);

    /// <summary>Ends the session: none of its tokens is accepted again.</summary>
    Task End(string reason);

    /// <summary>Whether tokens of this session are still accepted.</summary>
    [AlwaysInterleave]
    Task<bool> IsActive();
}
