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
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Builder;
using CityControl.Rules.Devices;

// Ingest throughput through POST /api/telemetry into device grains on one silo, beside the raw in-process
// grain-call rate measured in the same run. See docs/benchmarks.md for how to run it and what it found.
if (args is ["--serve-bare", ..])
{
    await BareServer.RunAsync(args[1..]);
    return;
}

var options = BenchOptions.Parse(args);
var results = new List<string>();
Console.WriteLine($"devices={options.Devices} duration={options.Duration.TotalSeconds}s concurrency={options.Concurrency} checkpoint={options.Checkpoint.TotalSeconds}s cores={Environment.ProcessorCount}");

if (options.Live)
{
    await LiveLatency.RunAsync(options);
    return;
}

if (options.Million)
{
    await ManyDevices.RunAsync(options);
    return;
}

Console.WriteLine($"cpu: {Baseline.CpuModel()}");
results.AddRange(await Baseline.RunAsync(options));
if (options.Bare)
{
    results.AddRange(await HttpIngest.RunBareAsync(options));
}

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

internal sealed record BenchOptions(int Devices, TimeSpan Duration, int Concurrency, int[] Batches, string[] Storages, TimeSpan Checkpoint, bool Live, bool Bare, bool Million = false, int Reporting = 100_000, bool Mqtt = true, int Repeat = 1, int HistoryDevices = 10_000)
{
    public static BenchOptions Parse(string[] args)
    {
        var config = new ConfigurationBuilder().AddCommandLine(args).Build();
        return new BenchOptions(
            int.Parse(config["devices"] ?? "10000", CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(config["duration"] ?? "20", CultureInfo.InvariantCulture)),
            int.Parse(config["concurrency"] ?? "8", CultureInfo.InvariantCulture),
            (config["batches"] ?? "100,1000").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray(),
            (config["storage"] ?? "memory,azurite").Split(',').Where(s => s is "memory" or "azurite" or "cluster1" or "cluster3").ToArray(),
            TimeSpan.FromSeconds(double.Parse(config["checkpoint"] ?? "10", CultureInfo.InvariantCulture)),
            bool.Parse(config["live"] ?? "false"),
            bool.Parse(config["bare"] ?? "true"),
            bool.Parse(config["million"] ?? "false"),
            int.Parse(config["reporting"] ?? "100000", CultureInfo.InvariantCulture),
            bool.Parse(config["mqtt"] ?? "true"),
            int.Parse(config["repeat"] ?? "1", CultureInfo.InvariantCulture),
            int.Parse(config["historyDevices"] ?? "10000", CultureInfo.InvariantCulture));
    }
}

/// <summary>The same machine's raw rate of in-process grain calls, no HTTP, no journal: the ceiling the ingest path is compared with.</summary>
internal static class Baseline
{
    public static async Task<IEnumerable<string>> RunAsync(BenchOptions options)
    {
        using var host = await StartSiloAsync();
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

    /// <summary>A silo in this process on memory storage, for measuring grains without HTTP.</summary>
    public static async Task<IHost> StartSiloAsync()
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
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The CPU as lscpu names it (from /proc/cpuinfo), and the cores this process may use.</summary>
    public static string CpuModel() =>
        $"{File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"}, {Environment.ProcessorCount} cores";

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
        await using var azurite = storage == "memory" ? null : await AzuriteServer.StartAsync();
        var settings = azurite is null ? PlatformSettings.Memory() : PlatformSettings.Azure(azurite.ConnectionString);
        var mqttPort = FreePorts.Next();
        settings["CityControl:Mqtt:Enabled"] = "true";
        settings["CityControl:Mqtt:Port"] = mqttPort.ToString(CultureInfo.InvariantCulture);

        // Checkpoints well inside the run, so that their storage writes are part of what is measured.
        settings["CityControl:Devices:CheckpointInterval"] = options.Checkpoint.ToString("c", CultureInfo.InvariantCulture);
        var silos = storage switch { "cluster1" => 1, "cluster3" => 3, _ => 0 };
        if (silos > 0)
        {
            // The cluster's own cost, not Azurite's write rate: clustering, reminders and streams on Azurite, grain
            // state in the silos' memory and no journal, as the memory row has.
            settings["CityControl:Storage:GrainStateInMemory"] = "true";
            settings["CityControl:Ingest:Journal"] = "None";
        }

        await using var cluster = silos > 0 ? await LocalCluster.StartAsync(azurite!.ConnectionString, silos, frontEnds: 1, configure: s =>
        {
            foreach (var (key, value) in settings.Where(kv => kv.Key.StartsWith("CityControl:Devices", StringComparison.Ordinal) || kv.Key is "CityControl:Storage:GrainStateInMemory" or "CityControl:Ingest:Journal"))
            {
                s[key] = value;
            }
        }) : null;
        await using var single = cluster is null ? await PlatformProcess.StartAsync(settings) : null;
        var platform = single ?? cluster!.FrontEnds[0];
        int[] processes = cluster is null ? [platform.ProcessId] : [.. cluster.Silos.Concat(cluster.FrontEnds).Select(p => p.ProcessId)];
        var label = storage switch
        {
            "memory" => "memory (no journal)",
            "azurite" => "Azurite (blob journal + blob grain state)",
            _ => $"{silos} silo process{(silos > 1 ? "es" : "")} + 1 front end (Azurite clustering and streams, state in memory, no journal)",
        };
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

        await Load.Settle(http, gateway, ids, clock);

        var rows = new List<string>();
        var credential = Encoding.UTF8.GetString(Convert.FromBase64String(gateway)).Split(':', 3);
        for (var round = 0; round < options.Repeat; round++)
        {
            foreach (var batch in options.Batches)
            {
                // HTTP and (the same platform, the same bodies) MQTT: one session per concurrent gateway, QoS 1, each
                // publish acknowledged once its readings are journaled where there is a journal. Side by side per batch
                // size, so that both meet the same state of storage; with --repeat, every other round MQTT goes first,
                // since a later run meets a fuller (slower) Azurite.
                var runs = new List<Func<Task<string>>>
                {
                    () => Measured($"HTTP ingest, {label}", batch, () => Load.Run(options, batch, ids, clock, body => Post(http, gateway, body))),
                };
                if (options.Mqtt && cluster is null)
                {
                    runs.Add(() => Measured($"MQTT ingest QoS 1, {label}", batch, () => Load.RunMqtt(options, batch, ids, clock, mqttPort, $"{credential[0]}:{credential[1]}", credential[2])));
                }

                if (round % 2 == 1)
                {
                    runs.Reverse();
                }

                foreach (var run in runs)
                {
                    rows.Add(await run());
                }
            }
        }

        if (platform.HasExited)
        {
            Console.WriteLine($"the platform exited during the run; its last words:\n{string.Join('\n', platform.Output.Split('\n').TakeLast(30))}");
        }

        async Task<string> Measured(string run, int batch, Func<Task<Measurement>> measure)
        {
            var cpuBefore = processes.Sum(Load.CpuSeconds);
            var samplers = processes.Select(pid => new RssSampler(pid)).ToList();
            var measurement = await measure();
            var cpu = processes.Sum(Load.CpuSeconds) - cpuBefore;
            samplers.ForEach(s => s.Dispose());
            var readings = measurement.ItemsPerSecond * options.Duration.TotalSeconds;
            var row = Baseline.Row(run, batch.ToString(CultureInfo.InvariantCulture), measurement, samplers.Sum(s => s.PeakMiB), cpu / readings * 1_000_000);
            Console.WriteLine(row);
            return row;
        }

        return rows;
    }

    /// <summary>
    /// The physical limit of the HTTP+JSON path on this machine: a bare ASP.NET Core minimal API (this program with
    /// --serve-bare, its own process) that parses the same batches and answers 202 with the count, nothing else.
    /// </summary>
    public static async Task<IEnumerable<string>> RunBareAsync(BenchOptions options)
    {
        var settings = new Dictionary<string, string> { ["urls"] = $"http://127.0.0.1:{FreePorts.Next()}" };
        await using var bare = await PlatformProcess.StartAsync(settings, host: "CityControl.Benchmarks.IngestLoad.dll", arguments: ["--serve-bare"]);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = bare.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var ids = Enumerable.Range(0, options.Devices).Select(i => $"bench-{i:D5}").ToArray();
        var clock = new UniqueClock();
        var gateway = Convert.ToBase64String(Encoding.UTF8.GetBytes("gateway:bench:secret"));
        var rows = new List<string>();
        foreach (var batch in options.Batches)
        {
            var cpuBefore = Load.CpuSeconds(bare.ProcessId);
            using var sampler = new RssSampler(bare.ProcessId);
            var measurement = await Load.Run(options, batch, ids, clock, body => Post(http, gateway, body));
            var cpu = Load.CpuSeconds(bare.ProcessId) - cpuBefore;
            rows.Add(Baseline.Row("bare minimal API, parse only (baseline)", batch.ToString(CultureInfo.InvariantCulture),
                measurement, sampler.PeakMiB, cpu / (measurement.ItemsPerSecond * options.Duration.TotalSeconds) * 1_000_000));
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

    /// <summary>
    /// Until a small batch is answered within 100 ms (at most a minute): the first readings' device events (each
    /// device comes online) are still being published after the warm-up, which is not the steady state either.
    /// </summary>
    public static async Task Settle(HttpClient http, string gateway, string[] ids, UniqueClock clock)
    {
        var stopwatch = Stopwatch.StartNew();
        var random = new Random(2);
        while (stopwatch.Elapsed < TimeSpan.FromMinutes(1))
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await HttpIngest.Post(http, gateway, Body(Enumerable.Range(0, 10).Select(_ => ids[random.Next(ids.Length)]), clock, random));
            if (Stopwatch.GetElapsedTime(start) < TimeSpan.FromMilliseconds(100))
            {
                break;
            }

            await Task.Delay(500);
        }

        Console.WriteLine($"settled after the warm-up in {stopwatch.Elapsed.TotalSeconds:0.0} s");
    }

    public static async Task<Measurement> Run(BenchOptions options, int batch, string[] ids, UniqueClock clock, Func<byte[], Task<HttpResponseMessage>> post)
    {
        var latencies = new List<double>[options.Concurrency];
        var accepted = 0L;
        var refused = 0L;
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
                // A refusal (503 while storage is slow, 429) accepts nothing; it is counted, not fatal.
                if (response.StatusCode == System.Net.HttpStatusCode.Accepted)
                {
                    var result = await response.Content.ReadFromJsonAsync<JsonObject>();
                    Interlocked.Add(ref accepted, result!["accepted"]!.GetValue<int>());
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        if (refused > 0)
        {
            Console.WriteLine($"  {refused} of {all.Length} requests refused");
        }

        return new Measurement(accepted / stop.Elapsed.TotalSeconds, all.Length / stop.Elapsed.TotalSeconds, all);
    }

    /// <summary>
    /// As <see cref="Run"/>, over MQTT: each concurrent caller a gateway session of its own publishing QoS 1 to the
    /// gateway's topic and waiting for the PUBACK; a publish acknowledged with success counts its readings (the bodies
    /// hold only valid readings).
    /// </summary>
    public static async Task<Measurement> RunMqtt(BenchOptions options, int batch, string[] ids, UniqueClock clock, int port, string user, string secret)
    {
        var factory = new MQTTnet.MqttClientFactory();
        var clients = new List<MQTTnet.IMqttClient>();
        for (var c = 0; c < options.Concurrency; c++)
        {
            var client = factory.CreateMqttClient();
            await client.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"bench-{c}-{batch}")
                .WithCredentials(user, secret).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanSession().Build());
            clients.Add(client);
        }

        var topic = $"citycontrol/gateways/{user["gateway:".Length..]}/telemetry";
        var latencies = new List<double>[options.Concurrency];
        var accepted = 0L;
        var refused = 0L;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async (client, c) =>
        {
            var random = new Random(c + batch);
            latencies[c] = [];
            while (stop.Elapsed < options.Duration)
            {
                var message = new MQTTnet.MqttApplicationMessageBuilder().WithTopic(topic)
                    .WithPayload(Body(Enumerable.Range(0, batch).Select(_ => ids[random.Next(ids.Length)]), clock, random))
                    .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build();
                var start = Stopwatch.GetTimestamp();
                try
                {
                    var result = await client.PublishAsync(message);
                    latencies[c].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (result.ReasonCode == MQTTnet.MqttClientPublishReasonCode.Success)
                    {
                        Interlocked.Add(ref accepted, batch);
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
                catch (MQTTnet.Exceptions.MqttCommunicationException)
                {
                    // The server closed the session (a publish it could not make durable, for MQTT 3.1.1) or it timed
                    // out: nothing acknowledged; connect again, as a gateway would.
                    latencies[c].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    Interlocked.Increment(ref refused);
                    await client.ConnectAsync(client.Options);
                }
            }
        }));
        var elapsed = stop.Elapsed;
        foreach (var client in clients)
        {
            await client.DisconnectAsync(new MQTTnet.MqttClientDisconnectOptionsBuilder().Build());
            client.Dispose();
        }

        var all = latencies.SelectMany(l => l).Order().ToArray();
        if (refused > 0)
        {
            Console.WriteLine($"  {refused} of {all.Length} publishes refused");
        }

        return new Measurement(accepted / elapsed.TotalSeconds, all.Length / elapsed.TotalSeconds, all);
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
            // A process that is exiting has no VmRSS line any more.
            if (File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) is not { } line)
            {
                return;
            }

            var kib = long.Parse(line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
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
    private static string Label { get; set; } = "memory";

    public static async Task RunAsync(BenchOptions options)
    {
        // memory: the platform in one process, memory streams. cluster3: three silo processes and a front end, with the
        // event streams on Azurite's queues (the durable default), grain state in memory and no journal.
        var topology = options.Storages.FirstOrDefault(st => st is "cluster1" or "cluster3") ?? "memory";
        await using var azurite = topology == "memory" ? null : await AzuriteServer.StartAsync();
        var settings = PlatformSettings.Memory();
        await using var cluster = azurite is null ? null : await LocalCluster.StartAsync(azurite.ConnectionString, topology == "cluster3" ? 3 : 1, frontEnds: 1, configure: s =>
        {
            s["CityControl:Storage:GrainStateInMemory"] = "true";
            s["CityControl:Ingest:Journal"] = "None";
        });
        await using var single = cluster is null ? await PlatformProcess.StartAsync(settings) : null;
        var platform = single ?? cluster!.FrontEnds[0];
        Label = topology == "memory" ? "memory" : $"{(topology == "cluster3" ? 3 : 1)} silos + front end, Azure Queue streams";
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = platform.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var token = await HttpIngest.Token(http);
        var ids = await HttpIngest.Onboard(http, token, options.Devices, topology);
        var gateway = await HttpIngest.Gateway(http, token);
        var clock = new UniqueClock();
        foreach (var chunk in ids.Chunk(1000))
        {
            using var warm = await HttpIngest.Post(http, gateway, Load.Body(chunk, clock, new Random(1)));
        }

        await Load.Settle(http, gateway, ids, clock);

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
        double[] idle, loaded;
        Measurement load;
        try
        {
            idle = await Probe(http, probe, arrivals, TimeSpan.FromSeconds(Math.Max(10, options.Duration.TotalSeconds / 3)), () => leak = !leak);
            var background = Load.Run(options with { Concurrency = Math.Max(1, options.Concurrency / 2) }, 100, ids, clock, body => HttpIngest.Post(http, gateway, body));
            loaded = await Probe(http, probe, arrivals, options.Duration, () => leak = !leak);
            load = await background;
        }
        catch (InvalidOperationException) when (cluster is not null)
        {
            // What the platform's processes said, for the reason of a refused probe.
            var output = Path.Combine(Path.GetTempPath(), $"citycontrol-live-{Environment.ProcessId}.log");
            await File.WriteAllTextAsync(output, cluster.Output);
            Console.Error.WriteLine($"the platform's output: {output}");
            throw;
        }

        await connection.DisposeAsync();

        // The probe's first alarm opens its incident, activating the incident, its correlator and its district's feed
        // on their silos: a one-off, reported on its own, not the steady state the percentiles describe.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ingest to SignalR client, {Label}, the first change (opens the probe's incident) | {idle.FirstOrDefault(double.NaN):0.0} ms |"));
        idle = [.. idle.Skip(1).Order()];
        loaded = [.. loaded.Order()];
        Console.WriteLine(Row("idle, after the first change", idle));
        Console.WriteLine(Row($"background {load.ItemsPerSecond:N0} readings/s", loaded));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded/idle p50 ratio {Load.Percentile(loaded, 0.5) / Load.Percentile(idle, 0.5):0.00}, p99 ratio {Load.Percentile(loaded, 0.99) / Load.Percentile(idle, 0.99):0.00}"));
    }

    private static string Row(string label, double[] received) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| ingest to SignalR client, {Label}, {label} | {received.Length} changes received | p50 {Load.Percentile(received, 0.5):0.0} ms | p99 {Load.Percentile(received, 0.99):0.0} ms | max {received.LastOrDefault():0.0} ms |");

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
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"the probe's reading was answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }

            sent.Add((at, started));
            await Task.Delay(1000);
        }

        await Task.Delay(2000);
        return sent
            .Select(s => arrivals.FirstOrDefault(a => Math.Abs((a.Key - s.At).TotalMilliseconds) < 1).Value is var arrived and > 0 ? Stopwatch.GetElapsedTime(s.Started, arrived).TotalMilliseconds : double.NaN)
            .Where(double.IsFinite)
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

/// <summary>The bare HTTP+JSON baseline: parse a telemetry batch, count its readings, answer 202. No auth check, no grain.</summary>
internal static class BareServer
{
    public static async Task RunAsync(string[] args)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/healthz", () => "Healthy");
        app.MapPost("/api/telemetry", async (Microsoft.AspNetCore.Http.HttpRequest request) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            var count = 0;
            foreach (var reading in document.RootElement.GetProperty("readings").EnumerateArray())
            {
                if (reading.TryGetProperty("deviceId", out var id) && id.GetString() is { Length: > 0 } && reading.TryGetProperty("value", out var value) && value.TryGetDouble(out _))
                {
                    count++;
                }
            }

            return Microsoft.AspNetCore.Http.Results.Json(new { accepted = count, rejected = 0 }, statusCode: 202);
        });
        await app.RunAsync();
    }
}

/// <summary>
/// Many devices in one silo (this process, memory storage): onboarded through the grains (HTTP would measure the
/// import API), then all deactivated, then some of them reporting. Resident memory after each step, per device.
/// </summary>
internal static class ManyDevices
{
    public static async Task RunAsync(BenchOptions options)
    {
        Console.WriteLine($"cpu: {Baseline.CpuModel()}");
        using var host = await Baseline.StartSiloAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        var empty = Rss();
        var emptyHeap = Heap();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"empty silo: {empty:0} MiB"));

        var ids = Enumerable.Range(0, options.Devices).Select(i => $"many-{i:D7}").ToArray();
        var stopwatch = Stopwatch.StartNew();
        var done = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (id, _) =>
        {
            await grains.GetGrain<IGasSensorGrain>(id).Onboard(Load.GasDevice(id, $"District-{id[^2..]}"), "hash");
            if (Interlocked.Increment(ref done) % 100_000 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {done:N0} onboarded, {stopwatch.Elapsed.TotalSeconds:0} s, {Rss():0} MiB"));
            }
        });
        var onboardRate = ids.Length / stopwatch.Elapsed.TotalSeconds;
        var active = await management.GetTotalActivationCount();
        Collect();
        var allActive = Rss();
        var allActiveHeap = Heap();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"onboarded {ids.Length:N0} devices through the grains in {stopwatch.Elapsed.TotalSeconds:0.0} s ({onboardRate:N0}/s); {active:N0} activations; {allActive:0} MiB"));

        // Every device idle and deactivated: what stays is the directory, the watchdog reminders and (memory storage) their state.
        stopwatch.Restart();
        await management.ForceActivationCollection(TimeSpan.Zero);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Collect();
        var idle = Rss();
        var idleHeap = Heap();
        var activeAfter = await management.GetTotalActivationCount();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"deactivated in {stopwatch.Elapsed.TotalSeconds:0.0} s: {activeAfter:N0} activations left; {idle:0} MiB"));

        // Some of them report: each activates (reads its state), takes a reading and stays active.
        var reporting = ids.Take(Math.Min(options.Reporting, ids.Length)).ToArray();
        var clock = new UniqueClock();
        stopwatch.Restart();
        await Parallel.ForEachAsync(reporting, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (id, _) =>
            await grains.GetGrain<IGasSensorGrain>(id).ReportReadings(new ReadingBatch([new Reading(clock.Next(), MetricCatalog.Concentration, 3, "ppm")], DateTimeOffset.UtcNow)));
        var activationRate = reporting.Length / stopwatch.Elapsed.TotalSeconds;
        Collect();
        var withReporting = Rss();
        var withReportingHeap = Heap();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{reporting.Length:N0} reporting devices activated at {activationRate:N0}/s; {withReporting:0} MiB"));

        // Devices with a full history (100 readings each, the default length), checkpointed and collected, then woken by
        // one reading each: what an active device with a history costs above an idle one.
        var historied = ids.Skip(reporting.Length).Take(Math.Min(options.HistoryDevices, ids.Length - reporting.Length)).ToArray();
        double historyIdleHeap = 0, historyActiveHeap = 0, historyActive = 0, historyIdle = 0;
        if (historied.Length > 0)
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            Collect();
            var beforeHistory = Heap();
            await Parallel.ForEachAsync(historied, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (id, _) =>
            {
                var grain = grains.GetGrain<IGasSensorGrain>(id);
                for (var batch = 0; batch < 4; batch++)
                {
                    await grain.ReportReadings(new ReadingBatch([.. Enumerable.Range(0, 25).Select(i => new Reading(clock.Next(), MetricCatalog.Concentration, 3 + i / 100.0, "ppm"))], DateTimeOffset.UtcNow));
                }
            });
            await management.ForceActivationCollection(TimeSpan.Zero); // each checkpoints on the way out
            await Task.Delay(TimeSpan.FromSeconds(5));
            Collect();
            historyIdle = Rss();
            historyIdleHeap = Heap();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{historied.Length:N0} devices took 100 readings each and were collected: {(historyIdleHeap - beforeHistory) * 1024 / historied.Length:0.0} KiB managed heap per device above their idle state (their history, in memory storage)"));
            await Parallel.ForEachAsync(historied, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (id, _) =>
                await grains.GetGrain<IGasSensorGrain>(id).ReportReadings(new ReadingBatch([new Reading(clock.Next(), MetricCatalog.Concentration, 3, "ppm")], DateTimeOffset.UtcNow)));
            Collect();
            historyActive = Rss();
            historyActiveHeap = Heap();
        }

        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| onboarding through the grains (state, directory, watchdog reminder each) | {onboardRate:N0} devices/s |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| activation of an idle device by its reading (state read from memory storage) | {activationRate:N0} devices/s |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all {ids.Length:N0} active: resident / managed heap after a full GC | {allActive:0} / {allActiveHeap:0} MiB, {(allActive - empty) * 1024 / ids.Length:0.0} / {(allActiveHeap - emptyHeap) * 1024 / ids.Length:0.0} KiB per device |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all idle (deactivated; memory storage holds their state in this process) | {idle:0} / {idleHeap:0} MiB, {(idle - empty) * 1024 / ids.Length:0.0} / {(idleHeap - emptyHeap) * 1024 / ids.Length:0.0} KiB per device |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {reporting.Length:N0} of them active again | {withReporting:0} / {withReportingHeap:0} MiB, {(withReporting - idle) * 1024 / reporting.Length:0.0} / {(withReportingHeap - idleHeap) * 1024 / reporting.Length:0.0} KiB per active device above idle |"));
        if (historied.Length > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {historied.Length:N0} others with 100 readings of history each, active again by one reading | {historyActive:0} / {historyActiveHeap:0} MiB, {(historyActive - historyIdle) * 1024 / historied.Length:0.0} / {(historyActiveHeap - historyIdleHeap) * 1024 / historied.Length:0.0} KiB per active device above idle |"));
        }
        await host.StopAsync();
    }

    private static void Collect()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static double Heap() => GC.GetTotalMemory(forceFullCollection: false) / 1024.0 / 1024.0;

    private static double Rss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
