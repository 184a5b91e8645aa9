using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityControl.Devices;
using CityControl.Silo;
using CityControl.Testing;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using CityControl.Rules.Devices;

// Ingest throughput through POST /api/telemetry into device grains on one silo, beside the raw in-process
// grain-call rate measured in the same run. See docs/benchmarks.md for how to run it and what it found.
var options = BenchOptions.Parse(args);
var results = new List<string>();
Console.WriteLine($"devices={options.Devices} duration={options.Duration.TotalSeconds}s concurrency={options.Concurrency} checkpoint={options.Checkpoint.TotalSeconds}s cores={Environment.ProcessorCount}");

if (options.Live)
{
    await LiveLatency.RunAsync(options);
    return;
}

results.AddRange(await Baseline.RunAsync(options));
foreach (var storage in options.Storages)
{
    results.AddRange(await HttpIngest.RunAsync(options, storage));
}

Console.WriteLine();
Console.WriteLine("| run | batch | readings/s | requests/s | p50 ms | p99 ms | platform RSS peak MiB | platform CPU s per 1M readings |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (var line in results)
{
    Console.WriteLine(line);
}

internal sealed record BenchOptions(int Devices, TimeSpan Duration, int Concurrency, int[] Batches, string[] Storages, TimeSpan Checkpoint, bool Live)
{
    public static BenchOptions Parse(string[] args)
    {
        var config = new ConfigurationBuilder().AddCommandLine(args).Build();
        return new BenchOptions(
            int.Parse(config["devices"] ?? "10000", CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(config["duration"] ?? "20", CultureInfo.InvariantCulture)),
            int.Parse(config["concurrency"] ?? "8", CultureInfo.InvariantCulture),
            (config["batches"] ?? "100,1000").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray(),
            (config["storage"] ?? "memory,azurite").Split(',').Where(s => s is "memory" or "azurite").ToArray(),
            TimeSpan.FromSeconds(double.Parse(config["checkpoint"] ?? "10", CultureInfo.InvariantCulture)),
            bool.Parse(config["live"] ?? "false"));
    }
}

/// <summary>The same machine's raw rate of in-process grain calls, no HTTP, no journal: the ceiling the ingest path is compared with.</summary>
internal static class Baseline
{
    public static async Task<IEnumerable<string>> RunAsync(BenchOptions options)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CityControl:Storage:Mode"] = "Memory",
            ["CityControl:Silo:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["CityControl:Silo:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Critical",
        });
        builder.UseOrleans(silo => silo.ConfigureCityControl(builder.Configuration));
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var ids = Enumerable.Range(0, options.Devices).Select(i => $"base-{i:D5}").ToArray();
        await Parallel.ForEachAsync(ids, async (id, _) =>
            await grains.GetGrain<IGasSensorGrain>(id).Onboard(Load.GasDevice(id, "Baseline"), "hash"));

        var clock = new UniqueClock();
        var heartbeat = await Measure(options, async r => { await grains.GetGrain<IGasSensorGrain>(ids[r.Next(ids.Length)]).CheckHeartbeat(); return 1; });
        var report = await Measure(options, async r =>
        {
            var reading = new Reading(clock.Next(), MetricCatalog.Concentration, 1 + r.NextDouble(), "ppm");
            await grains.GetGrain<IGasSensorGrain>(ids[r.Next(ids.Length)]).ReportReadings(new ReadingBatch([reading], DateTimeOffset.UtcNow));
            return 1;
        });
        await host.StopAsync();
        return
        [
            Row("in-process grain call CheckHeartbeat (baseline)", "-", heartbeat, null, null),
            Row("in-process grain call ReportReadings, 1 reading (baseline)", "1", report, null, null),
        ];
    }

    private static async Task<Measurement> Measure(BenchOptions options, Func<Random, Task<int>> call)
    {
        // Enough callers that the rate is the grains' and the scheduler's, not the round trip of a few closed loops.
        const int Callers = 512;
        var count = 0L;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(async c =>
        {
            var random = new Random(c);
            while (stop.Elapsed < options.Duration)
            {
                Interlocked.Add(ref count, await call(random));
            }
        }));
        var rate = count / stop.Elapsed.TotalSeconds;
        return new Measurement(rate, rate, []);
    }

    public static string Row(string run, string batch, Measurement m, double? rssMiB, double? cpuPerMillion) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {run} | {batch} | {m.ItemsPerSecond:N0} | {m.RequestsPerSecond:N0} | {Ms(m, 0.5)} | {Ms(m, 0.99)} | {(rssMiB is { } r ? r.ToString("0", CultureInfo.InvariantCulture) : "-")} | {(cpuPerMillion is { } c ? c.ToString("0.0", CultureInfo.InvariantCulture) : "-")} |");

    private static string Ms(Measurement m, double p) =>
        m.Latencies.Length == 0 ? "-" : Load.Percentile(m.Latencies, p).ToString("0.00", CultureInfo.InvariantCulture);
}

internal sealed record Measurement(double ItemsPerSecond, double RequestsPerSecond, double[] Latencies);

/// <summary>The platform in its own process, loaded over real HTTP by concurrent gateway clients.</summary>
internal static class HttpIngest
{
    private static readonly string[] BenchDistricts = ["Bench"];

    public static async Task<IEnumerable<string>> RunAsync(BenchOptions options, string storage)
    {
        await using var azurite = storage == "azurite" ? await AzuriteServer.StartAsync() : null;
        var settings = azurite is null ? PlatformSettings.Memory() : PlatformSettings.Azure(azurite.ConnectionString);

        // Checkpoints well inside the run, so that their storage writes are part of what is measured.
        settings["CityControl:Devices:CheckpointInterval"] = options.Checkpoint.ToString("c", CultureInfo.InvariantCulture);
        await using var platform = await PlatformProcess.StartAsync(settings);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = platform.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var token = await Token(http);
        var ids = await Onboard(http, token, options.Devices, storage);
        var gateway = await Gateway(http, token);
        var clock = new UniqueClock();

        // Every device reports once before timing: first readings activate devices, a write each, not the steady state.
        foreach (var chunk in ids.Chunk(1000))
        {
            using var warm = await Post(http, gateway, Load.Body(chunk, clock, new Random(1)));
            warm.EnsureSuccessStatusCode();
        }

        var rows = new List<string>();
        foreach (var batch in options.Batches)
        {
            var cpuBefore = Load.CpuSeconds(platform.ProcessId);
            using var sampler = new RssSampler(platform.ProcessId);
            var measurement = await Load.Run(options, batch, ids, clock, body => Post(http, gateway, body));
            var cpu = Load.CpuSeconds(platform.ProcessId) - cpuBefore;
            var readings = measurement.ItemsPerSecond * options.Duration.TotalSeconds;
            rows.Add(Baseline.Row($"HTTP ingest, {(azurite is null ? "memory (no journal)" : "Azurite (blob journal + blob grain state)")}", batch.ToString(CultureInfo.InvariantCulture),
                measurement, sampler.PeakMiB, cpu / readings * 1_000_000));
            Console.WriteLine(rows[^1]);
        }

        return rows;
    }

    internal static async Task<HttpResponseMessage> Post(HttpClient http, string gateway, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", gateway);
        return await http.SendAsync(request);
    }

    internal static async Task<string> Token(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = "admin-demo" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
    }

    internal static async Task<string[]> Onboard(HttpClient http, string token, int count, string storage)
    {
        var stopwatch = Stopwatch.StartNew();
        var ids = Enumerable.Range(0, count).Select(i => $"bench-{i:D5}").ToArray();
        foreach (var chunk in ids.Chunk(2000))
        {
            // An hour's heartbeat: the benchmark's readings carry timestamps a little behind the clock, and a device
            // that looks silent raises an offline alarm, which is not what this measures.
            var csv = new StringBuilder("id,kind,name,latitude,longitude,district,zone,heartbeatSeconds,gas,unit,low,high\n");
            foreach (var id in chunk)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{id},gasSensor,{id},37.48,126.89,Bench,plant,3600,NH3,ppm,25,35\n");
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/devices/import") { Content = new StringContent(csv.ToString(), Encoding.UTF8, "text/csv") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            var report = await response.Content.ReadFromJsonAsync<JsonObject>();
            if (report!["accepted"]!.AsArray().Count != chunk.Length)
            {
                throw new InvalidOperationException("onboarding refused rows: " + report["rejected"]);
            }
        }

        Console.WriteLine($"{storage}: onboarded {count} devices through the import API in {stopwatch.Elapsed.TotalSeconds:0.0} s");
        return ids;
    }

    internal static async Task<string> Gateway(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/gateways")
        {
            Content = JsonContent.Create(new { id = "bench-gateway", name = "Bench gateway", districts = BenchDistricts }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var credential = (await response.Content.ReadFromJsonAsync<JsonObject>())!["credential"]!;
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential["username"]}:{credential["secret"]}"));
    }
}

internal static class Load
{
    public static DeviceDefinition GasDevice(string id, string district) =>
        new(id, DeviceKind.GasSensor, id, new GeoPoint(37.48, 126.89), district, "plant", TimeSpan.FromMinutes(10),
            GasSensor: new GasSensorSettings("NH3", "ppm", 25, 35, null, null));

    public static async Task<Measurement> Run(BenchOptions options, int batch, string[] ids, UniqueClock clock, Func<byte[], Task<HttpResponseMessage>> post)
    {
        var latencies = new List<double>[options.Concurrency];
        var accepted = 0L;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async c =>
        {
            var random = new Random(c + batch);
            latencies[c] = [];
            while (stop.Elapsed < options.Duration)
            {
                var body = Body(Enumerable.Range(0, batch).Select(_ => ids[random.Next(ids.Length)]), clock, random);
                var start = Stopwatch.GetTimestamp();
                using var response = await post(body);
                latencies[c].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                var result = await response.Content.ReadFromJsonAsync<JsonObject>();
                Interlocked.Add(ref accepted, result!["accepted"]!.GetValue<int>());
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Measurement(accepted / stop.Elapsed.TotalSeconds, all.Length / stop.Elapsed.TotalSeconds, all);
    }

    /// <summary>A telemetry body; every reading gets its own timestamp so none is a duplicate, all well below the Low set-point.</summary>
    public static byte[] Body(IEnumerable<string> deviceIds, UniqueClock clock, Random random)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("readings");
            foreach (var id in deviceIds)
            {
                json.WriteStartObject();
                json.WriteString("deviceId", id);
                json.WriteString("timestamp", clock.Next());
                json.WriteString("metric", "concentration");
                json.WriteNumber("value", Math.Round(1 + (random.NextDouble() * 9), 3));
                json.WriteString("unit", "ppm");
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>User plus system CPU time of a process, from /proc.</summary>
    public static double CpuSeconds(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }
}

/// <summary>Distinct, increasing timestamps from ten seconds before the start: a microsecond apart, so a million readings span one second.</summary>
internal sealed class UniqueClock
{
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow.AddSeconds(-10);
    private long _ticks;

    public DateTimeOffset Next() => _start.AddTicks(Interlocked.Add(ref _ticks, 10));
}

/// <summary>Samples a process's resident memory while a run lasts.</summary>
internal sealed class RssSampler : IDisposable
{
    private readonly Timer _timer;
    private long _peakKiB;

    public RssSampler(int pid) => _timer = new Timer(_ => Sample(pid), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));

    public double PeakMiB => Interlocked.Read(ref _peakKiB) / 1024.0;

    public void Dispose() => _timer.Dispose();

    private void Sample(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            var kib = long.Parse(line!.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            if (kib > Interlocked.Read(ref _peakKiB))
            {
                Interlocked.Exchange(ref _peakKiB, kib);
            }
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Ingest to screen: while gateways load the platform, a probe detector alternates between a leak and clean air once
/// a second, and a control-room SignalR client (WebSockets, as browsers use it) times each change from the POST to the
/// device event that reaches it.
/// </summary>
internal static class LiveLatency
{
    public static async Task RunAsync(BenchOptions options)
    {
        var settings = PlatformSettings.Memory();
        await using var platform = await PlatformProcess.StartAsync(settings);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = platform.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var token = await HttpIngest.Token(http);
        var ids = await HttpIngest.Onboard(http, token, options.Devices, "memory");
        var gateway = await HttpIngest.Gateway(http, token);
        var clock = new UniqueClock();
        foreach (var chunk in ids.Chunk(1000))
        {
            using var warm = await HttpIngest.Post(http, gateway, Load.Body(chunk, clock, new Random(1)));
        }

        var arrivals = new System.Collections.Concurrent.ConcurrentDictionary<DateTimeOffset, long>();
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(platform.BaseAddress, "/hubs/control-room"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        connection.On<JsonElement>("Updates", batch =>
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var device in batch.GetProperty("devices").EnumerateArray())
            {
                if (device.GetProperty("deviceId").GetString() == "probe-0" && device.TryGetProperty("alarm", out var alarm) && alarm.ValueKind == JsonValueKind.Object)
                {
                    arrivals.TryAdd(alarm.GetProperty("at").GetDateTimeOffset(), now);
                }
            }
        });
        await connection.StartAsync();

        var probe = await ProbeCredential(http, token);
        var leak = true;

        // The same probe twice in one run: on an idle platform (the baseline), then under gateway load.
        var idle = await Probe(http, probe, arrivals, TimeSpan.FromSeconds(Math.Max(10, options.Duration.TotalSeconds / 3)), () => leak = !leak);
        var background = Load.Run(options with { Concurrency = Math.Max(1, options.Concurrency / 2) }, 100, ids, clock, body => HttpIngest.Post(http, gateway, body));
        var loaded = await Probe(http, probe, arrivals, options.Duration, () => leak = !leak);
        var load = await background;
        await connection.DisposeAsync();
        Console.WriteLine(Row("idle", idle));
        Console.WriteLine(Row($"background {load.ItemsPerSecond:N0} readings/s", loaded));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded/idle p50 ratio {Load.Percentile(loaded, 0.5) / Load.Percentile(idle, 0.5):0.00}, p99 ratio {Load.Percentile(loaded, 0.99) / Load.Percentile(idle, 0.99):0.00}"));
    }

    private static string Row(string label, double[] received) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| ingest to SignalR client, memory, {label} | {received.Length} changes received | p50 {Load.Percentile(received, 0.5):0.0} ms | p99 {Load.Percentile(received, 0.99):0.0} ms | max {received.LastOrDefault():0.0} ms |");

    /// <summary>Posts a leak or clean-air reading once a second and times each until its alarm event reaches the client.</summary>
    private static async Task<double[]> Probe(HttpClient http, string probe, System.Collections.Concurrent.ConcurrentDictionary<DateTimeOffset, long> arrivals, TimeSpan duration, Func<bool> nextLeak)
    {
        var sent = new List<(DateTimeOffset At, long Started)>();
        var stop = Stopwatch.StartNew();
        while (stop.Elapsed < duration)
        {
            var at = DateTimeOffset.UtcNow;
            var body = JsonSerializer.SerializeToUtf8Bytes(new { readings = new[] { new { deviceId = "probe-0", timestamp = at.ToString("O"), metric = "concentration", value = nextLeak() ? 50.0 : 1.0, unit = "ppm" } } });
            var started = Stopwatch.GetTimestamp();
            using (var response = await HttpIngest.Post(http, probe, body))
            {
                response.EnsureSuccessStatusCode();
            }

            sent.Add((at, started));
            await Task.Delay(1000);
        }

        await Task.Delay(2000);
        return sent
            .Select(s => arrivals.FirstOrDefault(a => Math.Abs((a.Key - s.At).TotalMilliseconds) < 1).Value is var arrived and > 0 ? Stopwatch.GetElapsedTime(s.Started, arrived).TotalMilliseconds : double.NaN)
            .Where(double.IsFinite)
            .Order()
            .ToArray();
    }

    private static async Task<string> ProbeCredential(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/devices")
        {
            Content = JsonContent.Create(new
            {
                id = "probe-0", kind = "gasSensor", name = "Latency probe", location = new { latitude = 37.48, longitude = 126.89 },
                district = "Probe", zone = "probe", heartbeatSeconds = 3600,
                gasSensor = new { gas = "NH3", unit = "ppm", low = 25, high = 35 },
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var credential = (await response.Content.ReadFromJsonAsync<JsonObject>())!["credential"]!;
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential["username"]}:{credential["secret"]}"));
    }
}
