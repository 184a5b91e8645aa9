using CityControl.Devices;
using CityControl.Ingest;
using CityControl.Rules.Security;
using CityControl.Web.Ingest;

namespace CityControl.Web.Security;

/// <summary>A device's or a gateway's ingest credential, checked: who it is, or why it was refused.</summary>
public sealed record IngestIdentity(string User, IngestPrincipal? Principal, string? Refusal);

/// <summary>
/// The one check of ingest credentials, whatever the protocol (HTTP Basic, MQTT user name and password): user
/// <c>device:&lt;id&gt;</c> or <c>gateway:&lt;id&gt;</c>, password the ingest secret issued at onboarding, compared by hash
/// with the one the device or gateway grain keeps.
/// </summary>
public sealed class IngestCredentials(IGrainFactory grains, Microsoft.Extensions.Options.IOptions<IngestOptions> options)
{
    // A grain on a silo that was just killed answers only at Orleans' response timeout (30 s): past LookupWait the
    // check fails with a TimeoutException, which the ingest endpoints answer 503 with Retry-After.
    private readonly TimeSpan _wait = options.Value.LookupWait;

    public const string DevicePrefix = "device:";
    public const string GatewayPrefix = "gateway:";

    public async Task<IngestIdentity> VerifyAsync(string user, string secret)
    {
        var hash = CredentialHashes.Hash(secret);
        if (user.StartsWith(DevicePrefix, StringComparison.Ordinal))
        {
            var id = user[DevicePrefix.Length..];
            var summaries = id.Length is > 0 and <= CityControl.Rules.Devices.DeviceRules.MaxIdLength ? await grains.GetDirectoryFor(id).Find([id]).WaitAsync(_wait) : [];
            return summaries.IsEmpty || !await grains.GetDevice(summaries[0].Kind, id).VerifyCredential(hash).WaitAsync(_wait)
                ? new(user, null, "Unknown device or wrong secret.")
                : new(user, IngestPrincipal.ForDevice(id), null);
        }

        if (user.StartsWith(GatewayPrefix, StringComparison.Ordinal))
        {
            var id = user[GatewayPrefix.Length..];
            return id.Length == 0 || await grains.GetGrain<IGatewayGrain>(id).Authenticate(hash).WaitAsync(_wait) is not { } districts
                ? new(user, null, "Unknown gateway or wrong secret.")
                : new(user, IngestPrincipal.ForGateway(districts), null);
        }

        return new(user, null, "The user must be 'device:<id>' or 'gateway:<id>'.");
    }
}
