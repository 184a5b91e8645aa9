using System.Net;
using System.Net.Sockets;
using CityControl.Testing;

namespace CityControl.Tests.Infrastructure;

/// <summary>A TCP forwarder on loopback whose connections a test can cut and restore, as a network outage would.</summary>
public sealed class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _cut;
    private volatile bool _stalled;

    public CuttableProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Loopback, target.Port);
        _listener = new TcpListener(IPAddress.Loopback, FreePorts.Next());
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = Task.Run(Accept);
    }

    public Uri Address { get; }

    /// <summary>Drops every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        lock (_open)
        {
            _cut = true;
            foreach (var client in _open)
            {
                Reset(client);
            }

            _open.Clear();
        }
    }

    public void Restore()
    {
        _cut = false;
        _stalled = false;
    }

    /// <summary>
    /// Stops carrying bytes either way while every connection stays open, as a pulled cable or a dead Wi-Fi link looks
    /// to both ends: nothing is closed or reset, it only goes quiet (until <see cref="Restore"/>).
    /// </summary>
    public void Stall() => _stalled = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (_cut)
            {
                Reset(inbound);
                continue;
            }

            var outbound = new TcpClient();
            await outbound.ConnectAsync(_target, _stop.Token);
            lock (_open)
            {
                // A cut that came while this connection was being made drops it too: none survives a cut.
                if (_cut)
                {
                    Reset(inbound);
                    Reset(outbound);
                    continue;
                }

                _open.Add(inbound);
                _open.Add(outbound);
            }

            _ = Pump(inbound, outbound, () => _stalled);
            _ = Pump(outbound, inbound, () => _stalled);
        }
    }

    /// <summary>Closes with a reset, as a broken network path looks to both ends; a connection already closed is left alone.</summary>
    private static void Reset(TcpClient client)
    {
        try
        {
            if (client.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
        }

        client.Dispose();
    }

    private static async Task Pump(TcpClient from, TcpClient to, Func<bool> stalled)
    {
        try
        {
            var buffer = new byte[16 * 1024];
            var source = from.GetStream();
            var target = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer)) > 0)
            {
                // Stalled: what is sent is lost on the way, and nobody is told.
                if (!stalled())
                {
                    await target.WriteAsync(buffer.AsMemory(0, read));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }
        finally
        {
            to.Dispose();
            from.Dispose();
        }
    }
}
