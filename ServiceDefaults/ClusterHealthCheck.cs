using Orleans;
using CityControl.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityControl.ServiceDefaults;

/// <summary>Whether this host reaches the cluster: a silo answers the probe within 5 s and knows an active silo (storage is not needed for it).</summary>
public sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // Grain calls take no token here; the wait is bounded instead.
#pragma warning disable CA2016
            var silos = await grains.GetGrain<IClusterProbeGrain>(0).ActiveSilos().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
#pragma warning restore CA2016
            return silos > 0 ? HealthCheckResult.Healthy($"{silos} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("the cluster does not answer", ex);
        }
    }
}
