using System.Collections.Immutable;

namespace CityControl.Ingest;

/// <summary>A field gateway that may send readings for every device of its districts.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.gateway-info.v1")]
public sealed record class GatewayInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableArray<string> Districts,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset CredentialIssuedAt);

public interface IGatewayGrain : IGrainWithStringKey
{
    Task<GatewayInfo> Register(string name, ImmutableArray<string> districts, string credentialHash);

    Task<GatewayInfo?> GetInfo();

    Task ReplaceCredential(string credentialHash);

    /// <summary>The gateway's districts if the credential matches, otherwise null.</summary>
    Task<ImmutableArray<string>?> Authenticate(string credentialHash);
}
