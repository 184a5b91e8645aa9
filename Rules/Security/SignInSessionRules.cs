using CityControl.Security;

namespace CityControl.Rules.Security;

/// <summary>
/// Refresh-token rotation (OAuth 2.0 Security Best Current Practice, RFC 9700 4.14.2): each refresh makes the
/// previous refresh token worthless, and one presented again ends the whole session, because either its owner or a
/// thief already used it.
/// </summary>
public static class SignInSessionRules
{
    public static (SignInSession? Session, SessionRefresh Outcome) Refresh(SignInSession? session, string username, int generation, DateTimeOffset now)
    {
        if (session is null)
        {
            return (null, new SessionRefresh(null, "the session is unknown"));
        }

        if (session.EndedAt is not null)
        {
            return (session, new SessionRefresh(null, $"the session ended ({session.EndReason})"));
        }

        if (now >= session.ExpiresAt)
        {
            return (session, new SessionRefresh(null, "the session expired; sign in again"));
        }

        if (!string.Equals(session.Username, username, StringComparison.OrdinalIgnoreCase))
        {
            return (session, new SessionRefresh(null, "the token does not belong to this session"));
        }

        if (generation != session.Generation)
        {
            var ended = session with { EndedAt = now, EndReason = "an old refresh token was used again" };
            return (ended, new SessionRefresh(null, "this refresh token was already used; the session is ended, sign in again"));
        }

        var next = session with { Generation = session.Generation + 1 };
        return (next, new SessionRefresh(next.Generation, null));
    }
}
