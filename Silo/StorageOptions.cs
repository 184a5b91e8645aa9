using System.ComponentModel.DataAnnotations;

namespace CityControl.Silo;

public enum StorageMode
{
    /// <summary>Azure Storage: Azurite on loopback in the embedded default, a real account by connection string.</summary>
    AzureStorage,

    /// <summary>Nothing survives a restart: unit tests and benchmarks of the grains alone.</summary>
    Memory,
}

/// <summary>Where the platform keeps its state, from <c>CityControl:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "CityControl:Storage";

    public StorageMode Mode { get; set; } = StorageMode.AzureStorage;

    /// <summary>An Azure Storage connection string; <c>UseDevelopmentStorage=true</c> is Azurite on its default loopback ports.</summary>
    [Required]
    public string ConnectionString { get; set; } = "UseDevelopmentStorage=true";
}

/// <summary>The silo's identity and endpoints, from <c>CityControl:Silo</c>.</summary>
public sealed class SiloOptions
{
    public const string Section = "CityControl:Silo";

    [Required]
    public string ClusterId { get; set; } = "citycontrol";

    [Required]
    public string ServiceId { get; set; } = "citycontrol";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one at; loopback for the single-machine default.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
}
