using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Rules.Security;
using CityControl.Rules;
using CityControl.Ingest;

namespace CityControl.Grains.Ingest;

[GenerateSerializer, Alias("citycontrol.gateway-state.v1")]
public sealed class GatewayState
{
    [Id(0)] public GatewayInfo? Info { get; set; }
    [Id(1)] public string? CredentialHash { get; set; }
}

public sealed class GatewayGrain(
    [PersistentState("gateway", StorageNames.GrainState)] IPersistentState<GatewayState> state,
    CityClock clock) : Grain, IGatewayGrain
{
    public async Task<GatewayInfo> Register(string name, ImmutableArray<string> districts, string credentialHash)
    {
        if (state.State.Info is not null)
        {
            throw new DeviceConflictException($"Gateway '{this.GetPrimaryKeyString()}' already exists.");
        }

        var now = clock.UtcNow;
        state.State.Info = new GatewayInfo(this.GetPrimaryKeyString(), name, districts, now, now);
        state.State.CredentialHash = credentialHash;
        await state.WriteStateAsync();
        return state.State.Info;
    }

    public Task<GatewayInfo?> GetInfo() => Task.FromResult(state.State.Info);

    public async Task ReplaceCredential(string credentialHash)
    {
        var info = state.State.Info ?? throw new DeviceNotFoundException($"Gateway '{this.GetPrimaryKeyString()}' does not exist.");
        state.State.CredentialHash = credentialHash;
        state.State.Info = info with { CredentialIssuedAt = clock.UtcNow };
        await state.WriteStateAsync();
    }

    public Task<ImmutableArray<string>?> Authenticate(string credentialHash) =>
        Task.FromResult(state.State is { Info: { } info, CredentialHash: { } stored } && CredentialHashes.FixedTimeEquals(stored, credentialHash)
            ? info.Districts
            : (ImmutableArray<string>?)null);
}
