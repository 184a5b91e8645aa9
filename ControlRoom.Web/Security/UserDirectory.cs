using CityControl.Security;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Security;

public sealed class ConfiguredUser
{
    [Required]
    public string Username { get; set; } = "";

    /// <summary>An ASP.NET Core Identity password hash (PBKDF2); make one with <c>dotnet run --project ControlRoom.Web -- hash-password</c>.</summary>
    [Required]
    public string PasswordHash { get; set; } = "";

    public List<string> Roles { get; set; } = [];

    public string? DisplayName { get; set; }
}

/// <summary>The control-room users, from <c>CityControl:Users</c>.</summary>
public sealed class UserOptions
{
    public const string Section = "CityControl";

    public List<ConfiguredUser> Users { get; set; } = [];
}

/// <summary>Checks usernames and passwords against the configured users; passwords are stored only as hashes.</summary>
public sealed class UserDirectory(IOptions<UserOptions> options)
{
    private static readonly PasswordHasher<ConfiguredUser> Hasher = new();

    public static string HashPassword(string password) => Hasher.HashPassword(new ConfiguredUser(), password);

    public ClaimsPrincipal? SignIn(string username, string password, string authenticationType)
    {
        var user = options.Value.Users.FirstOrDefault(u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase));
        return user is null || Hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed
            ? null
            : PrincipalOf(user, authenticationType);
    }

    /// <summary>The user as configured now (a refresh picks up changed roles), without a password check.</summary>
    public ClaimsPrincipal? Find(string username, string authenticationType) =>
        options.Value.Users.FirstOrDefault(u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase)) is { } user
            ? PrincipalOf(user, authenticationType)
            : null;

    private static ClaimsPrincipal PrincipalOf(ConfiguredUser user, string authenticationType)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Username),
            new(ClaimTypes.Name, user.DisplayName ?? user.Username),
        };
        claims.AddRange(user.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType));
    }

    public static IEnumerable<string> Validate(UserOptions options)
    {
        foreach (var user in options.Users)
        {
            foreach (var role in user.Roles.Where(r => !Roles.All.Contains(r)))
            {
                yield return $"CityControl:Users: user '{user.Username}' has unknown role '{role}' (known: {string.Join(", ", Roles.All)})";
            }

            if (string.IsNullOrWhiteSpace(user.PasswordHash))
            {
                yield return $"CityControl:Users: user '{user.Username}' has no PasswordHash";
            }
        }
    }
}
