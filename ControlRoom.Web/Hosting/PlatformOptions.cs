namespace CityControl.Web.Hosting;

/// <summary>Host-level settings, from <c>CityControl</c>.</summary>
public sealed class PlatformOptions
{
    public const string Section = "CityControl";

    /// <summary>Local state of this host (data-protection keys for sign-in tokens).</summary>
    public string DataDirectory { get; set; } = ".data";
}

/// <summary>The demo city, from <c>CityControl:Demo</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "CityControl:Demo";

    /// <summary>Onboard the demo district at start-up (existing devices are left alone).</summary>
    public bool Seed { get; set; }

    /// <summary>Feed the demo devices plausible readings.</summary>
    public bool Simulate { get; set; }

    public TimeSpan SimulationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A folder with the public CCTV clips (../shared/data/video in the source tree): when set, four demo cameras play
    /// them in a loop as their live stream, with the sample analytics settings, instead of simulated stream health.
    /// </summary>
    public string? VideoFolder { get; set; }
}
