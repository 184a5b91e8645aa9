using System.Collections.Concurrent;
using CityControl.Devices;
using CityControl.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime.Hosting;
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
            silo.Services.AddGrainStorage(StorageNames.GrainState, (_, _) => Storage);
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

/// <summary>Grain storage in memory that counts writes per grain, to check that devices persist only on meaningful change.</summary>
public sealed class CountingGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, GrainId), object> _states = new();
    private readonly ConcurrentDictionary<GrainId, int> _writes = new();
    private readonly List<(GrainId Grain, int Count, TaskCompletionSource Done)> _waiters = [];

    public int WritesOf(GrainId grain) => _writes.GetValueOrDefault(grain);

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
        if (_states.TryGetValue((stateName, grainId), out var state))
        {
            grainState.State = (T)state;
            grainState.RecordExists = true;
            grainState.ETag = "1";
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _states[(stateName, grainId)] = grainState.State!;
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
}
