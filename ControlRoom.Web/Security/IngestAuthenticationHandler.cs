using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using CityControl.Devices;
using CityControl.Ingest;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using CityControl.Rules.Security;

namespace CityControl.Web.Security;

/// <summary>
/// Devices and gateways authenticate with HTTP Basic: user <c>device:&lt;id&gt;</c> or <c>gateway:&lt;id&gt;</c>, password the
/// ingest secret issued at onboarding. The secret is compared by hash with the one the device or gateway grain keeps.
/// </summary>
public sealed class IngestAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IngestCredentials credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Ingest";
    public const string DeviceClaim = "citycontrol:device";
    public const string DistrictClaim = "citycontrol:district";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return AuthenticateResult.NoResult();
        }

        string user, secret;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            var colon = decoded.LastIndexOf(':');
            if (colon <= 0)
            {
                return AuthenticateResult.Fail("Basic credentials must be '<device:id or gateway:id>:<secret>'.");
            }

            (user, secret) = (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return AuthenticateResult.Fail("Basic credentials are not valid base64.");
        }

        var identity = await credentials.VerifyAsync(user, secret);
        if (identity.Principal is not { } principal)
        {
            return AuthenticateResult.Fail(identity.Refusal!);
        }

        var claims = new List<Claim>();
        if (principal.DeviceId is { } device)
        {
            claims.Add(new Claim(DeviceClaim, device));
        }
        else
        {
            claims.AddRange(principal.GatewayDistricts.Select(d => new Claim(DistrictClaim, d)));
        }

        claims.Add(new Claim(ClaimTypes.NameIdentifier, user));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"citycontrol-ingest\"";
        return base.HandleChallengeAsync(properties);
    }
}
