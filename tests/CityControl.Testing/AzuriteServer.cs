using System.Diagnostics;
using System.Net.Sockets;

namespace CityControl.Testing;

/// <summary>A real Azurite on loopback ports of its own, installed from npm on first use, stopped with SIGTERM.</summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private readonly string _location;
    private readonly string _executable;
    private readonly int _blobPort;
    private readonly int _queuePort;
    private readonly int _tablePort;
    private Process _process = null!;

    private AzuriteServer(string executable, string location, int blobPort, int queuePort, int tablePort)
    {
        _executable = executable;
        _location = location;
        (_blobPort, _queuePort, _tablePort) = (blobPort, queuePort, tablePort);
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public static async Task<AzuriteServer> StartAsync()
    {
        var executable = await EnsureInstalledAsync();
        var location = Directory.CreateTempSubdirectory("citycontrol-azurite-").FullName;
        var server = new AzuriteServer(executable, location, FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts Azurite (again) on the same ports and data folder: what was stored before a stop is there.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--blobPort", _blobPort.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", _queuePort.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", _tablePort.ToString(),
            "--location", _location,
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitForPorts(process, _blobPort, _queuePort, _tablePort);
    }

    /// <summary>Stops Azurite with SIGTERM (SIGKILL after 10 s), keeping its data folder.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await term!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<string> EnsureInstalledAsync()
    {
        var folder = Path.Combine(RepoPaths.Root, "tools", "azurite");
        var executable = Path.Combine(folder, "node_modules", ".bin", "azurite");
        await InstallLock.WaitAsync();
        try
        {
            if (!File.Exists(executable))
            {
                using var install = Process.Start(new ProcessStartInfo("bash", [Path.Combine(folder, "install.sh")]) { UseShellExecute = false })!;
                await install.WaitForExitAsync();
                if (install.ExitCode != 0 || !File.Exists(executable))
                {
                    throw new InvalidOperationException($"Installing Azurite with npm failed (exit {install.ExitCode}).");
                }
            }
        }
        finally
        {
            InstallLock.Release();
        }

        return executable;
    }

    private static async Task WaitForPorts(Process process, params int[] ports)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in ports)
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before listening.");
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }
    }
}
