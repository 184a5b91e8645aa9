using CityControl.Hosting;
using Orleans.Concurrency;

namespace CityControl.Grains.Cluster;

[StatelessWorker(1)]
public sealed class ClusterProbeGrain(IClusterMembershipService membership) : Grain, IClusterProbeGrain
{
    public Task<int> ActiveSilos() =>
        Task.FromResult(membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
}
