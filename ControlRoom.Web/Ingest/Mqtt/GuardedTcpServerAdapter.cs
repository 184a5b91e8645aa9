using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace CityControl.Web.Ingest.Mqtt;

/// <summary>
/// The MQTT server's TCP (and TLS) endpoints, opened from the same options as MQTTnet's own listener (on the configured
/// address only, where MQTTnet's also opens IPv6's any), with each connection's bytes read through a
/// <see cref="PacketLimitStream"/>: no packet larger than the limit is ever read.
/// At most <paramref name="maxConnections"/> connections are open at once (authenticated or not); one more is closed
/// as soon as it is accepted.
/// </summary>
internal sealed partial class GuardedTcpServerAdapter(int maxPacketBytes, int maxConnections, ILogger logger) : IMqttServerAdapter
{
    private int _open;

    private readonly List<TcpListener> _listeners = [];
    private readonly List<Task> _loops = [];
    private CancellationTokenSource? _stopping;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger mqttLogger)
    {
        _stopping = new CancellationTokenSource();
        if (options.DefaultEndpointOptions.IsEnabled)
        {
            Listen(options, options.DefaultEndpointOptions, null, mqttLogger);
        }

        if (options.TlsEndpointOptions is { IsEnabled: true } tls)
        {
            Listen(options, tls, tls, mqttLogger);
        }

        return Task.CompletedTask;
    }

    private void Listen(MqttServerOptions server, MqttServerTcpEndpointBaseOptions endpoint, MqttServerTlsTcpEndpointOptions? tls, IMqttNetLogger mqttLogger)
    {
        var listener = new TcpListener(endpoint.BoundInterNetworkAddress, endpoint.Port);
        listener.Start(endpoint.ConnectionBacklog);
        _listeners.Add(listener);
        _loops.Add(AcceptAsync(listener, server, endpoint, tls, mqttLogger, _stopping!.Token));
    }

    private async Task AcceptAsync(TcpListener listener, MqttServerOptions server, MqttServerTcpEndpointBaseOptions endpoint,
        MqttServerTlsTcpEndpointOptions? tls, IMqttNetLogger mqttLogger, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(ex.SocketErrorCode);
                continue;
            }

            if (Interlocked.Increment(ref _open) > maxConnections)
            {
                Interlocked.Decrement(ref _open);
                LogTooMany(socket.RemoteEndPoint, maxConnections);
                socket.Dispose();
                continue;
            }

            _ = ServeAsync(socket, server, endpoint, tls, mqttLogger);
        }
    }

    private async Task ServeAsync(Socket socket, MqttServerOptions server, MqttServerTcpEndpointBaseOptions endpoint,
        MqttServerTlsTcpEndpointOptions? tls, IMqttNetLogger mqttLogger)
    {
        var remote = socket.RemoteEndPoint;
        Stream? stream = null;
        try
        {
            socket.NoDelay = endpoint.NoDelay;
            stream = new NetworkStream(socket, ownsSocket: true);
            X509Certificate2? clientCertificate = null;
            if (tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, tls.RemoteCertificateValidationCallback);
                stream = ssl;
                using var handshake = new CancellationTokenSource(server.DefaultCommunicationTimeout);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = tls.CertificateProvider.GetCertificate(),
                    ClientCertificateRequired = tls.ClientCertificateRequired,
                    EnabledSslProtocols = tls.SslProtocol,
                    EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                }, handshake.Token);
                clientCertificate = ssl.RemoteCertificate is { } c ? X509CertificateLoader.LoadCertificate(c.Export(X509ContentType.Cert)) : null;
            }

            stream = new PacketLimitStream(stream, maxPacketBytes, declared => LogTooLarge(remote, declared, maxPacketBytes));
            if (ClientHandler is { } handler)
            {
                var channel = new MqttTcpChannel(stream, socket.LocalEndPoint, remote, clientCertificate);
                var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(server.WriterBufferSize, server.WriterBufferSizeMax));
                using var adapter = new MqttChannelAdapter(channel, formatter, mqttLogger) { AllowPacketFragmentation = endpoint.AllowPacketFragmentation };
                await handler(adapter);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            LogConnectionEnded(remote, ex.Message); // a client that went away or failed its TLS handshake
        }
        catch (Exception ex)
        {
            LogConnectionFailed(remote, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }
        }
    }

    public async Task StopAsync()
    {
        if (_stopping is { } stopping)
        {
            await stopping.CancelAsync();
        }

        foreach (var listener in _listeners)
        {
            listener.Stop();
        }

        await Task.WhenAll(_loops);
        _listeners.Clear();
        _loops.Clear();
    }

    public void Dispose()
    {
        _stopping?.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _stopping?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection from {Remote} closed: a packet of {Declared} bytes (-1: a malformed length) is over the limit of {Limit} bytes")]
    private partial void LogTooLarge(EndPoint? remote, long declared, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection from {Remote} refused: {Limit} connections are open")]
    private partial void LogTooMany(EndPoint? remote, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT endpoint could not accept a connection: {Error}")]
    private partial void LogAcceptFailed(SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection from {Remote} failed")]
    private partial void LogConnectionFailed(EndPoint? remote, Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT connection from {Remote} ended: {Reason}")]
    private partial void LogConnectionEnded(EndPoint? remote, string reason);
}
