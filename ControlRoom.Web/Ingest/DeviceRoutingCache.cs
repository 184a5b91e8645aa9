using System.Collections.Immutable;
using CityControl.Devices;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Ingest;

/// <summary>
/// Device kind, district and status for routing readings, read from the directory and cached briefly so that ingest
/// does not ask the directory for every batch. Changes made through this host drop their entry at once.
/// </summary>
public sealed class DeviceRoutingCache(IGrainFactory grains, IMemoryCache cache, IOptions<IngestOptions> options)
{
    private readonly TimeSpan _duration = options.Value.RoutingCacheDuration;

    public async Task<IReadOnlyDictionary<string, DeviceSummary>> FindAsync(IEnumerable<string> deviceIds)
    {
        var found = new Dictionary<string, DeviceSummary>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in deviceIds.Distinct(StringComparer.Ordinal))
        {
            if (cache.TryGetValue(Key(id), out DeviceSummary? summary) && summary is not null)
            {
                found[id] = summary;
            }
            else
            {
                missing.Add(id);
            }
        }

        var lookups = missing
            .GroupBy(DeviceGrains.DirectoryPartitionOf)
            .Select(g => grains.GetGrain<IDeviceDirectoryGrain>(g.Key).Find([.. g]));
        foreach (var partition in await Task.WhenAll(lookups))
        {
            foreach (var summary in partition)
            {
                cache.Set(Key(summary.Id), summary, _duration);
                found[summary.Id] = summary;
            }
        }

        return found;
    }

    public void Forget(string deviceId) => cache.Remove(Key(deviceId));

    private static string Key(string deviceId) => "route:" + deviceId;
}
