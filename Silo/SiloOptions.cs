using System.ComponentModel.DataAnnotations;

namespace CityControl.Silo;

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
