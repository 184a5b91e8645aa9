using System.Net;
using System.Net.Sockets;
using CityControl.Testing;

namespace CityControl.Tests.Infrastructure;

/// <summary>
/// A load balancer as simple as they come, on loopback: each new connection goes to the first of the back ends that
/// accepts it. A back end that dies takes its connections with it; the clients' next connections go to the next one.
/// </summary>
public sealed class FailoverProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IReadOnlyList<Uri> _backEnds;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public FailoverProxy(IReadOnlyList<Uri> backEnds)
    {
        _backEnds = backEnds;
        _listener = new TcpListener(IPAddress.Loopback, FreePorts.Next());
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = Task.Run(Accept);
    }

    public Uri Address { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            foreach (var backEnd in _backEnds)
            {
                using var server = new TcpClient();
                try
                {
                    using var connect = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    connect.CancelAfter(TimeSpan.FromSeconds(1));
                    await server.ConnectAsync(IPAddress.Loopback, backEnd.Port, connect.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    continue;
                }

                var up = Pipe(client.GetStream(), server.GetStream());
                var down = Pipe(server.GetStream(), client.GetStream());
                await Task.WhenAny(up, down);
                return;
            }
        }
    }

    private async Task Pipe(NetworkStream from, NetworkStream to)
    {
        try
        {
            await from.CopyToAsync(to, _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
