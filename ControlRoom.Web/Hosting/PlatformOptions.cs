namespace CityControl.Web.Hosting;

/// <summary>Host-level settings, from <c>CityControl</c>.</summary>
public sealed class PlatformOptions
{
    public const string Section = "CityControl";

    /// <summary>Local state of this host (data-protection keys for sign-in tokens).</summary>
    public string DataDirectory { get; set; } = ".data";
}
