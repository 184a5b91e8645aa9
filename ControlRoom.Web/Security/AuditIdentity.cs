using System.Security.Claims;
using CityControl.Incidents;

namespace CityControl.Web.Security;

/// <summary>
/// Who did it, as every audit trail records it (incident timelines, device events, analytics changes): the user name
/// people sign in with, never the display name, which can change.
/// </summary>
public static class AuditIdentity
{
    public static string NameOf(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown";

    public static Actor ActorOf(ClaimsPrincipal user) => new(NameOf(user), [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)]);
}
