using System.Collections.Concurrent;
using CityControl.Devices;
using CityControl.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

using CityControl.Testing;
using CityControl.Rules;

namespace CityControl.Tests.Infrastructure;

/// <summary>An in-process Orleans cluster running the real grains on counted memory storage and a fake platform clock.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Start);

    public CountingGrainStorage Storage { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CityControl:Devices:CheckpointInterval"] = "00:00:01",
                ["CityControl:Devices:HistoryLength"] = "50",
            }).Build();
            // The production runtime (grain services, options, streams), with the test's clock and storage.
            silo.Services.AddSingleton(new CityClock(Time));
            silo.AddCityControlRuntime(configuration);
            silo.Services.AddGrainStorage(StorageNames.GrainState, (services, _) => Storage.SerializingWith(services.GetRequiredService<Serializer>()));
            silo.AddMemoryGrainStorage(StorageNames.PubSub);
            silo.UseInMemoryReminderService();
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(StreamNames.Provider));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>
/// Grain storage in memory that counts reads and writes per grain, to check that devices persist only on meaningful
/// change. Like real storage it keeps serialized bytes: a grain never gets back the object it wrote, so state that
/// does not survive serialization, or a change made after the write, shows in a test.
/// </summary>
public sealed class CountingGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, GrainId), byte[]> _states = new();
    private readonly ConcurrentDictionary<GrainId, int> _writes = new();
    private readonly ConcurrentDictionary<GrainId, int> _reads = new();
    private readonly List<(GrainId Grain, int Count, TaskCompletionSource Done)> _waiters = [];
    private Serializer? _serializer;

    public int WritesOf(GrainId grain) => _writes.GetValueOrDefault(grain);

    /// <summary>State reads of the grain: one per activation.</summary>
    public int ReadsOf(GrainId grain) => _reads.GetValueOrDefault(grain);

    public CountingGrainStorage SerializingWith(Serializer serializer)
    {
        _serializer = serializer;
        return this;
    }

    /// <summary>What the grain's state last written holds (a copy), or null before its first write.</summary>
    public T? StateOf<T>(string stateName, GrainId grain) =>
        _states.TryGetValue((stateName, grain), out var bytes) ? Serializer.Deserialize<T>(bytes) : default;

    /// <summary>Completes when the grain's state has been written <paramref name="count"/> times in all.</summary>
    public Task WaitForWrites(GrainId grain, int count, TimeSpan timeout)
    {
        lock (_waiters)
        {
            if (WritesOf(grain) >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((grain, count, done));
            return done.Task.WaitAsync(timeout);
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _reads.AddOrUpdate(grainId, 1, (_, n) => n + 1);
        if (_states.TryGetValue((stateName, grainId), out var bytes))
        {
            grainState.State = Serializer.Deserialize<T>(bytes);
            grainState.RecordExists = true;
            grainState.ETag = "1";
        }

        return Task.CompletedTask;
    }

    /// <summary>Grains whose writes fail, as with storage unreachable.</summary>
    public ConcurrentDictionary<GrainId, bool> Unwritable { get; } = new();

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Unwritable.ContainsKey(grainId))
        {
            throw new InvalidOperationException($"storage unreachable for {grainId} (test)");
        }

        _states[(stateName, grainId)] = Serializer.SerializeToArray(grainState.State);
        var writes = _writes.AddOrUpdate(grainId, 1, (_, n) => n + 1);
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => w.Grain == grainId && writes >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }

        grainState.RecordExists = true;
        grainState.ETag = "1";
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _states.TryRemove((stateName, grainId), out _);
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private Serializer Serializer => _serializer ?? throw new InvalidOperationException("The storage is used before the silo gave it its serializer");
}
