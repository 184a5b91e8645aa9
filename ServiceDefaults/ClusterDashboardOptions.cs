namespace CityControl.ServiceDefaults;

/// <summary>
/// The Orleans Dashboard, from <c>CityControl:Dashboard</c>: silos collect its figures, web front ends serve it to
/// admins at <see cref="Path"/>. Silos and front ends must agree (a front end's dashboard asks the silos' dashboard grains).
/// </summary>
public sealed class ClusterDashboardOptions
{
    public const string Section = "CityControl:Dashboard";

    /// <summary>Where front ends serve the dashboard; admins only.</summary>
    public const string Path = "/admin/orleans";

    /// <summary>
    /// On by default. The silos' grain-call profiler runs only while someone has the dashboard open (Orleans turns it
    /// off a minute after the last query), so it costs the ingest path nothing when nobody watches.
    /// </summary>
    public bool Enabled { get; set; } = true;

    public static bool IsEnabled(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        Microsoft.Extensions.Configuration.ConfigurationBinder.GetValue(configuration.GetSection(Section), nameof(Enabled), true);
}
