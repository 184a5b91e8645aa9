using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Integration;

/// <summary>
/// The README's run command as a user runs it (`./run.sh`: Azurite, the platform, a video worker and the demo city's
/// simulator, each a process of its own), stopped as Ctrl+C stops it: SIGINT to the command's process group.
/// </summary>
[Collection(AzuriteCollection.Name)] // one heavy platform at a time with the durability tests
public sealed class RunCommandTests
{
    [Fact]
    public async Task Ctrl_C_stops_everything_within_30_s_storage_last_and_a_restart_has_every_device_as_before()
    {
        var data = Directory.CreateTempSubdirectory("citycontrol-run-").FullName;
        var port = FreePorts.Next();
        var azurite = ThreeFreePorts();
        string[] args = ["--seed-only", "--no-video",
            $"--CityControl:Silo:SiloPort={FreePorts.Next()}", $"--CityControl:Silo:GatewayPort={FreePorts.Next()}"];
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        Dictionary<string, string> before;

        await using (var run = await RunCommand.StartAsync(data, port, azurite, args))
        using (var api = new PlatformApi(baseAddress))
        {
            await run.WaitHealthyAsync(api);

            // The simulator onboards the demo city through the public API, as a field gateway's installer would.
            var devices = await Devices(api);
            for (var wait = 0; devices.Count < DemoCitySize && wait < 120; wait++)
            {
                await Task.Delay(500);
                devices = await Devices(api);
            }

            Assert.Equal(DemoCitySize, devices.Count);
            Assert.True(run.Running("CityControl.VideoAnalytics.dll"), "no video worker process");
            Assert.True(run.Running("CityControl.Simulator.dll"), "no simulator process");

            // Readings acknowledged through the public API for every detector and gauge of the demo city.
            var districts = devices.Select(d => d["district"]!.GetValue<string>()).Distinct().ToArray();
            using var gateway = await api.PostJsonAsync("/api/gateways", new { id = "gw-" + Guid.NewGuid().ToString("N")[..8], name = "Test gateway", districts }, PlatformApi.Admin);
            var body = await PlatformApi.BodyAsync(gateway);
            var credential = (body["credential"]!["username"]!.GetValue<string>(), body["credential"]!["secret"]!.GetValue<string>());
            var now = DateTimeOffset.UtcNow;
            var readings = devices.SelectMany(d => d["kind"]!.GetValue<string>() switch
            {
                "gasSensor" => Enumerable.Range(0, 5).Select(i => TestDevices.Reading(d["id"]!.GetValue<string>(), now.AddSeconds(i - 10), "concentration", 2 + i, "ppm")),
                "floodSensor" => Enumerable.Range(0, 5).Select(i => TestDevices.Reading(d["id"]!.GetValue<string>(), now.AddSeconds(i - 10), "waterLevel", 0.1 + i * 0.01, "m")),
                _ => [],
            }).ToArray();
            using var ingest = await api.PostTelemetryAsync(credential, new { readings });
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
            before = await Snapshots(api, devices);

            // Ctrl+C: SIGINT to the run command's process group.
            var stopped = await run.InterruptAsync(TimeSpan.FromSeconds(30));
            Assert.True(stopped.Storage >= stopped.Platform, $"storage stopped at {stopped.Storage}, before the platform at {stopped.Platform}");
            Assert.True(stopped.Command <= TimeSpan.FromSeconds(30), $"the run command exited after {stopped.Command}");
            Assert.Contains("Clean stop recorded in the ingest journal", run.Output, StringComparison.Ordinal);
        }

        await using (var run = await RunCommand.StartAsync(data, port, azurite, args))
        using (var api = new PlatformApi(baseAddress))
        {
            await run.WaitHealthyAsync(api);
            var after = await Snapshots(api, await Devices(api));
            var replay = (await api.GetJsonAsync("/healthz"))["checks"]!["ingest-journal"]!["data"]!;

            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
            Assert.Equal(0, replay["replayedReadings"]!.GetValue<int>());
            await run.InterruptAsync(TimeSpan.FromSeconds(30));
        }

        Directory.Delete(data, recursive: true);
    }

    private static readonly int DemoCitySize = CityControl.Simulator.DemoCity.Devices.Length;

    private static async Task<List<JsonNode>> Devices(PlatformApi api) =>
        [.. (await api.GetJsonAsync("/api/devices?limit=500", PlatformApi.Operator))["items"]!.AsArray().Select(d => d!)];

    /// <summary>Each device as a user sees it, less connectivity (it depends on the wall clock).</summary>
    private static async Task<Dictionary<string, string>> Snapshots(PlatformApi api, List<JsonNode> devices)
    {
        var result = new Dictionary<string, string>();
        foreach (var id in devices.Select(d => d["id"]!.GetValue<string>()))
        {
            var snapshot = (await api.GetJsonAsync($"/api/devices/{id}", PlatformApi.Operator)).AsObject();
            snapshot.Remove("connectivity");
            result[id] = snapshot.ToJsonString();
        }

        return result;
    }

    /// <summary>A blob port whose next two ports (queue, table) are free as well.</summary>
    private static int ThreeFreePorts()
    {
        while (true)
        {
            var port = FreePorts.Next();
            if (port < 65_000 && Free(port + 1) && Free(port + 2))
            {
                return port;
            }
        }

        static bool Free(int port)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    /// <summary>`./run.sh` in a session of its own (as in a terminal), with what it started found by their command lines.</summary>
    private sealed class RunCommand : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();
        private readonly string _data;
        private readonly int _port;

        private RunCommand(Process process, string data, int port)
        {
            _process = process;
            _data = data;
            _port = port;
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static Task<RunCommand> StartAsync(string data, int port, int azuritePort, string[] args)
        {
            // setsid: the command leads a process group of its own, as a shell's foreground job does. env
            // --default-signal: Ctrl+C reaches it as it reaches a terminal's job, even when this test process descends
            // from a background job of a script (which ignores SIGINT, and a shell cannot trap a signal ignored on entry).
            var start = new ProcessStartInfo("env", ["--default-signal=INT", "setsid", "--wait", Path.Combine(RepoPaths.Root, "run.sh"), .. args])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepoPaths.Root,
            };
            start.Environment["CITYCONTROL_PORT"] = port.ToString();
            start.Environment["CITYCONTROL_DATA"] = data;
            start.Environment["CITYCONTROL_AZURITE_PORT"] = azuritePort.ToString();
            start.Environment["CITYCONTROL_WORKER_PORT"] = FreePorts.Next().ToString();
            start.Environment["CITYCONTROL_MQTT_PORT"] = FreePorts.Next().ToString();
            var process = Process.Start(start)!;
            var run = new RunCommand(process, data, port);
            process.OutputDataReceived += (_, e) => run.Append(e.Data);
            process.ErrorDataReceived += (_, e) => run.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return Task.FromResult(run);
        }

        /// <summary>Healthy within five minutes: the command builds the platform first.</summary>
        public async Task WaitHealthyAsync(PlatformApi api)
        {
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"run.sh exited with {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    using var response = await api.SendAsync(HttpMethod.Get, "/healthz");
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(500);
            }

            throw new TimeoutException($"the platform was not healthy within 5 minutes:\n{Output}");
        }

        /// <summary>SIGINT to the process group; when the platform, storage and the command itself were gone, counted from the signal.</summary>
        public async Task<(TimeSpan Platform, TimeSpan Storage, TimeSpan Command)> InterruptAsync(TimeSpan bound)
        {
            var platform = Find($"CityControl.ControlRoom.Web.dll --urls http://127.0.0.1:{_port}");
            var storage = Find($"--location {_data}/azurite");
            Assert.NotNull(platform);
            Assert.NotNull(storage);
            var started = Stopwatch.GetTimestamp();
            using (var kill = Process.Start("kill", ["-INT", "--", "-" + _process.Id]))
            {
                await kill!.WaitForExitAsync();
            }

            TimeSpan? platformGone = null, storageGone = null, commandGone = null;
            while (Stopwatch.GetElapsedTime(started) < bound + TimeSpan.FromSeconds(5) && (platformGone is null || storageGone is null || commandGone is null))
            {
                var now = Stopwatch.GetElapsedTime(started);
                platformGone ??= Alive(platform.Value) ? null : now;
                storageGone ??= Alive(storage.Value) ? null : now;
                commandGone ??= _process.HasExited ? now : null;
                await Task.Delay(50);
            }

            Assert.True(platformGone is not null && storageGone is not null && commandGone is not null,
                $"still running {bound + TimeSpan.FromSeconds(5)} after SIGINT: platform {platformGone}, storage {storageGone}, command {commandGone}\n{Processes()}\n{Logs()}\n{Output}");
            return (platformGone!.Value, storageGone!.Value, commandGone!.Value);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                using var kill = Process.Start("kill", ["-TERM", "--", "-" + _process.Id]);
                await kill!.WaitForExitAsync();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
            }

            _process.Dispose();
        }

        /// <summary>Whether a process of this command (its data folder or its port on the command line) runs <paramref name="program"/>, and has <paramref name="library"/> mapped if one is given.</summary>
        public bool Running(string program, string? library = null) =>
            (Find($"{program} --urls", _data) ?? Find(program, $"127.0.0.1:{_port}")) is { } pid
            && (library is null || File.ReadAllText($"/proc/{pid}/maps").Contains(library, StringComparison.Ordinal));

        /// <summary>Every process still in the command's process group or using its data folder, with its state and its threads' states: what a stop that hangs is waiting on.</summary>
        private string Processes()
        {
            var lines = new System.Text.StringBuilder("processes of the session:\n");
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    var id = _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (fields[2] != id && fields[3] != id && !File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(_data, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var threads = Directory.GetDirectories(Path.Combine(dir, "task"))
                        .Select(t => File.ReadAllText(Path.Combine(t, "stat")))
                        .GroupBy(t => t[(t.LastIndexOf(')') + 2)..].Split(' ')[0])
                        .Select(g => $"{g.Key}:{g.Count()}");
                    var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    lines.AppendLine($"  {Path.GetFileName(dir)} {fields[0]} threads {string.Join(" ", threads)} {commandLine[..Math.Min(160, commandLine.Length)]}");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
                {
                }
            }

            return lines.ToString();
        }

        private string Logs()
        {
            var logs = new System.Text.StringBuilder();
            foreach (var log in Directory.Exists(Path.Combine(_data, "logs")) ? Directory.GetFiles(Path.Combine(_data, "logs")) : [])
            {
                logs.AppendLine($"--- last lines of {Path.GetFileName(log)}:");
                foreach (var line in File.ReadLines(log).TakeLast(15))
                {
                    logs.AppendLine(line.Length > 300 ? line[..300] : line);
                }
            }

            return logs.ToString();
        }

        /// <summary>Running and not a zombie; a process that exits while it is being looked at is not alive.</summary>
        private static bool Alive(int pid)
        {
            try
            {
                // The state is the first field after the command name, which is in parentheses and may hold spaces.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static int? Find(string commandLinePart, string? alsoPart = null)
        {
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    try
                    {
                        var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                        if (commandLine.Contains(commandLinePart, StringComparison.Ordinal) && (alsoPart is null || commandLine.Contains(alsoPart, StringComparison.Ordinal)))
                        {
                            return pid;
                        }
                    }
                    catch (IOException)
                    {
                    }
                }
            }

            return null;
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
