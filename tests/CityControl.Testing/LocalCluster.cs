
namespace CityControl.Testing;

/// <summary>
/// The platform as a cluster of real processes on loopback, sharing one Azurite: silo hosts, web front ends (Orleans
/// clients) and video workers, each a process a test may kill with SIGKILL.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private LocalCluster(Dictionary<string, string> settings) => Settings = settings;

    /// <summary>What every host of this cluster shares: storage, cluster id.</summary>
    public Dictionary<string, string> Settings { get; }

    public List<PlatformProcess> Silos { get; } = [];

    public List<PlatformProcess> FrontEnds { get; } = [];

    public List<PlatformProcess> Workers { get; } = [];

    public static async Task<LocalCluster> StartAsync(string connectionString, int silos, int frontEnds, int workers = 0, Action<Dictionary<string, string>>? configure = null)
    {
        var settings = PlatformSettings.Azure(connectionString);
        configure?.Invoke(settings);
        var cluster = new LocalCluster(settings);
        try
        {
            cluster.Silos.AddRange(await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => cluster.StartSiloAsync())));
            // One after another: the first makes the sign-in key ring that the others then read.
            for (var i = 0; i < frontEnds; i++)
            {
                cluster.FrontEnds.Add(await cluster.StartFrontEndAsync());
            }

            cluster.Workers.AddRange(await Task.WhenAll(Enumerable.Range(0, workers).Select(i => PlatformProcess.StartVideoWorkerAsync(settings, $"worker-{i + 1}"))));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public Task<PlatformProcess> StartSiloAsync() => PlatformProcess.StartAsync(new Dictionary<string, string>(Settings)
    {
        ["urls"] = $"http://127.0.0.1:{FreePorts.Next()}",
        ["CityControl:Silo:SiloPort"] = FreePorts.Next().ToString(),
        ["CityControl:Silo:GatewayPort"] = FreePorts.Next().ToString(),
    }, host: PlatformProcess.Silo);

    public Task<PlatformProcess> StartFrontEndAsync() => PlatformProcess.StartAsync(new Dictionary<string, string>(Settings)
    {
        ["urls"] = $"http://127.0.0.1:{FreePorts.Next()}",
        ["CityControl:CoHostSilo"] = "false",
        ["CityControl:Ingest:JournalName"] = "web-" + Guid.NewGuid().ToString("N")[..8],
    });

    /// <summary>Everything each process said, for a failure's message.</summary>
    public string Output => string.Join("\n", Silos.Concat(FrontEnds).Concat(Workers).Select((p, i) => $"--- process {i} ({p.ProcessId}) ---\n{p.Output}"));

    public async ValueTask DisposeAsync()
    {
        // Front ends and workers first, silos last; each with a bounded graceful stop, then killed.
        foreach (var group in new[] { Workers, FrontEnds, Silos })
        {
            await Task.WhenAll(group.Select(async p =>
            {
                try
                {
                    await p.StopAsync(TimeSpan.FromSeconds(30));
                }
                catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
                {
                }

                await p.DisposeAsync();
            }));
        }
    }
}
