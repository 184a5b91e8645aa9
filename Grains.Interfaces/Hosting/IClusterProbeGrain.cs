namespace CityControl.Hosting;

/// <summary>
/// A health probe that needs nothing but a live silo: a stateless worker on the silo that receives the call, which
/// answers with the silos it believes active. Unlike the management grain, it reads no storage, so it answers while
/// the storage account is away (the cluster is then degraded, not gone).
/// </summary>
public interface IClusterProbeGrain : IGrainWithIntegerKey
{
    Task<int> ActiveSilos();
}
