using System.ComponentModel.DataAnnotations;

namespace CityControl.ServiceDefaults;

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

    /// <summary>
    /// Benchmarks only: clustering, reminders and streams on the account, but grain state in each silo's memory (lost
    /// with the silo). Measures a cluster without the account's write rate as its limit.
    /// </summary>
    public bool GrainStateInMemory { get; set; }
}
