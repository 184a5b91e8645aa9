using System.Collections.Immutable;
using CityControl.Devices;

namespace CityControl.Grains.Devices.History;

/// <summary>
/// Device histories in memory, for the memory storage mode: held by partition grains (as Orleans' memory grain storage
/// holds state), so every silo of a cluster sees the same histories and a device that moves finds its own. Lost with
/// the silo that holds a partition, as memory grain state is.
/// </summary>
public sealed class MemoryReadingHistoryStore(IGrainFactory grains) : IReadingHistoryStore
{
    public const int Partitions = 64;

    public Task Append(string deviceId, long generation, IReadOnlyList<Reading> readings, bool startsGeneration = false, CancellationToken cancellationToken = default) =>
        Partition(deviceId).Append(deviceId, generation, [.. readings]);

    public async Task<IReadOnlyList<Reading>> Read(string deviceId, long generation, CancellationToken cancellationToken = default) =>
        await Partition(deviceId).Read(deviceId, generation);

    public Task Delete(string deviceId, long generation, CancellationToken cancellationToken = default) =>
        Partition(deviceId).Delete(deviceId, generation);

    private IReadingHistoryPartitionGrain Partition(string deviceId) =>
        grains.GetGrain<IReadingHistoryPartitionGrain>((long)(PartitionHash.Fnv1a(deviceId) % Partitions));
}

/// <summary>One share of the memory histories.</summary>
public interface IReadingHistoryPartitionGrain : IGrainWithIntegerKey
{
    Task Append(string deviceId, long generation, ImmutableArray<Reading> readings);

    Task<ImmutableArray<Reading>> Read(string deviceId, long generation);

    Task Delete(string deviceId, long generation);
}

/// <summary>Kept alive: collecting it would lose what it holds.</summary>
[KeepAlive]
public sealed class ReadingHistoryPartitionGrain : Grain, IReadingHistoryPartitionGrain
{
    private readonly Dictionary<(string, long), List<Reading>> _generations = [];

    public Task Append(string deviceId, long generation, ImmutableArray<Reading> readings)
    {
        if (!_generations.TryGetValue((deviceId, generation), out var list))
        {
            _generations[(deviceId, generation)] = list = [];
        }

        list.AddRange(readings);
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<Reading>> Read(string deviceId, long generation) =>
        Task.FromResult(_generations.TryGetValue((deviceId, generation), out var list) ? [.. list] : ImmutableArray<Reading>.Empty);

    public Task Delete(string deviceId, long generation)
    {
        _generations.Remove((deviceId, generation));
        return Task.CompletedTask;
    }
}
