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
    IGrainFactory grains)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Ingest";
    public const string DeviceClaim = "citycontrol:device";
    public const string DistrictClaim = "citycontrol:district";
    private const string DevicePrefix = "device:";
    private const string GatewayPrefix = "gateway:";

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

        var hash = CredentialHashes.Hash(secret);
        var claims = new List<Claim>();
        if (user.StartsWith(DevicePrefix, StringComparison.Ordinal))
        {
            var id = user[DevicePrefix.Length..];
            var summaries = await grains.GetDirectoryFor(id).Find([id]);
            if (summaries.IsEmpty || !await grains.GetDevice(summaries[0].Kind, id).VerifyCredential(hash))
            {
                return AuthenticateResult.Fail("Unknown device or wrong secret.");
            }

            claims.Add(new Claim(DeviceClaim, id));
        }
        else if (user.StartsWith(GatewayPrefix, StringComparison.Ordinal))
        {
            var id = user[GatewayPrefix.Length..];
            if (await grains.GetGrain<IGatewayGrain>(id).Authenticate(hash) is not { } districts)
            {
                return AuthenticateResult.Fail("Unknown gateway or wrong secret.");
            }

            claims.AddRange(districts.Select(d => new Claim(DistrictClaim, d)));
        }
        else
        {
            return AuthenticateResult.Fail("The Basic user must be 'device:<id>' or 'gateway:<id>'.");
        }

        claims.Add(new Claim(ClaimTypes.NameIdentifier, user));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"citycontrol-ingest\"";
        return base.HandleChallengeAsync(properties);
    }
}
