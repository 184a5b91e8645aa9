using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using CityControl.Rules;
using CityControl.Rules.Devices;
using CityControl.Web.Api;
using CityControl.Web.Security;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace CityControl.Web.Ingest.Mqtt;

/// <summary>The MQTT ingest endpoint of a front end, from <c>CityControl:Mqtt</c>.</summary>
public sealed class MqttIngestOptions
{
    public const string Section = "CityControl:Mqtt";

    /// <summary>Off unless configured: a deployment opens the port it means to.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address the plain (TCP) endpoint listens on; 0.0.0.0 in a deployment behind its own network policy.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The plain endpoint's port (1883); 0 turns the plain endpoint off (TLS only).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>The TLS endpoint's port (8883 by convention); used when <see cref="CertificatePath"/> is set.</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>A PKCS#12 (.pfx) file with the server's certificate and key: turns the TLS endpoint on.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>
    /// The largest packet a client may send (fixed header included); a larger one ends its connection before its body
    /// is read. As large as an HTTP ingest request by default.
    /// </summary>
    public int MaxPacketBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Connections open at once (devices, gateways and ones not yet through CONNECT); one more is closed at once.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>How long a new connection has to complete its TLS handshake and send CONNECT.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Field devices and gateways that speak MQTT: an MQTT 3.1.1 and 5 server in the ingest host (MQTTnet), whose
/// publishes enter the one ingest path (validate, journal, route) exactly as <c>POST /api/telemetry</c> does.
/// <list type="bullet">
/// <item>CONNECT with the device's or gateway's ingest credential as user name and password; anything else is refused
/// at CONNECT (bad user name or password).</item>
/// <item><c>citycontrol/{district}/{deviceId}/telemetry</c> (one device) or <c>citycontrol/gateways/{gatewayId}/telemetry</c>
/// (a gateway's batch): the HTTP body (<c>{"readings": [...]}</c>), an array of readings, or one reading; a reading
/// without <c>deviceId</c> on a device topic is that device's. A QoS 1 publish is acknowledged (PUBACK) only after
/// the journal write that backs a 202.</item>
/// <item><c>citycontrol/{district}/{deviceId}/status</c>: <c>online</c> or <c>offline</c>. A device sets its Last Will to
/// <c>offline</c> there: when its connection drops without DISCONNECT, the server publishes the will and the device is
/// offline at once; its next <c>online</c> (or any reading) brings it back.</item>
/// <item><c>citycontrol/{district}/{deviceId}/command</c>: what the control centre commands the device (a signal's
/// plan, a warning device's message, a barrier's position), published retained at QoS 1 by the server whenever it changes; the device (or
/// its district's gateway, with '+' for the device) subscribes to it and reports what it does as telemetry (a warning
/// device its <c>playing</c> sequence).</item>
/// <item>What was refused, and why, is published to the publish's MQTT 5 response topic or to <c>{topic}/reply</c>,
/// which the sender may subscribe to (and only that); the session stays up.</item>
/// </list>
/// </summary>
public sealed partial class MqttIngestServer(
    IOptions<MqttIngestOptions> options,
    IngestService ingest,
    IngestCredentials credentials,
    IOptions<IngestOptions> limits,
    CityClock clock,
    ILogger<MqttIngestServer> logger) : IHostedService, IAsyncDisposable, CityControl.Web.Live.IDeviceCommandSink
{
    /// <summary>The sender id of what this server publishes itself (replies).</summary>
    public const string ServerClientId = "citycontrol-ingest";

    private const string PrincipalItem = "citycontrol.principal";
    private const string UserItem = "citycontrol.user";
    private const string Version5Item = "citycontrol.v5";
    private const string Root = "citycontrol";

    private MqttServer? _server;

    // Each credential's share of publishes, at the rate of its HTTP requests (counted apart): over it, this waits for
    // a token, so the server stops reading that connection (TCP pushes back on the sender) instead of dropping
    // anything; beyond a burst's worth of waiting publishes, the publish is refused.
    private readonly PartitionedRateLimiter<string> _share = PartitionedRateLimiter.Create<string, string>(credential =>
        limits.Value is { RequestsPerSecondPerCredential: > 0 } o
            ? RateLimitPartition.GetTokenBucketLimiter(credential, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.BurstPerCredential,
                TokensPerPeriod = o.RequestsPerSecondPerCredential,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = o.BurstPerCredential,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            })
            : RateLimitPartition.GetNoLimiter(credential));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return;
        }

        var builder = new MqttServerOptionsBuilder().WithPersistentSessions(false).WithDefaultCommunicationTimeout(o.ConnectTimeout);
        if (o.Port > 0)
        {
            builder = builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Parse(o.Host)).WithDefaultEndpointPort(o.Port);
        }
        else
        {
            builder = builder.WithoutDefaultEndpoint();
        }

        if (o.CertificatePath is { } path)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, o.CertificatePassword);
            builder = builder.WithEncryptedEndpoint().WithEncryptedEndpointBoundIPAddress(IPAddress.Parse(o.Host))
                .WithEncryptedEndpointPort(o.TlsPort).WithEncryptionCertificate(certificate);
        }

        // MQTTnet's own listener would read any packet a client declares (up to 256 MiB); this one stops at the limit.
        var server = new MqttServerFactory().CreateMqttServer(builder.Build(), [new GuardedTcpServerAdapter(o.MaxPacketBytes, o.MaxConnections, logger)]);
        server.ValidatingConnectionAsync += Validate;
        server.InterceptingPublishAsync += Publish;
        server.InterceptingSubscriptionAsync += Subscribe;
        await server.StartAsync();
        _server = server;
        LogStarted(o.Host, o.Port, o.CertificatePath is null ? null : o.TlsPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            await server.StopAsync(new MqttServerStopOptions());
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            server.Dispose();
            _server = null;
        }

        await _share.DisposeAsync();
    }

    private async Task Validate(ValidatingConnectionEventArgs args)
    {
        IngestIdentity identity;
        try
        {
            identity = await credentials.VerifyAsync(args.UserName ?? "", args.Password ?? "");
        }
        catch (Exception ex) when (IngestService.IsClusterUnavailable(ex))
        {
            // The cluster did not answer the check in time (a silo lost a moment ago): busy, try again, as a 503 says.
            args.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            args.ReasonString = "the platform's cluster did not answer; try again in a few seconds";
            return;
        }

        if (identity.Principal is not { } principal)
        {
            args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            args.ReasonString = identity.Refusal;
            LogRefused(args.ClientId, args.UserName, identity.Refusal);
            return;
        }

        args.SessionItems[PrincipalItem] = principal;
        args.SessionItems[UserItem] = identity.User;
        args.SessionItems[Version5Item] = args.ProtocolVersion == MqttProtocolVersion.V500;
    }

    private Task Subscribe(InterceptingSubscriptionEventArgs args)
    {
        // Only replies: this is an ingest endpoint, not a broker that shares one device's readings with another. A
        // gateway (a site's bridged broker) may take the replies of all its district's devices with '+' for the device.
        var filter = args.TopicFilter.Topic ?? "";
        var parts = filter.Split('/');
        if (parts is [Root, var district, var device, "command"])
        {
            // Commands: a device its own; a gateway its districts' devices' (one or '+' for all).
            var allowed = args.SessionItems[PrincipalItem] is IngestPrincipal p
                && (p.DeviceId is { } own ? own == device && !filter.Contains('+') : p.GatewayDistricts.Contains(district))
                && !filter.Contains('#') && district != "+";
            if (!allowed)
            {
                args.ProcessSubscription = false;
                args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
                args.ReasonString = "a device subscribes to its own citycontrol/<district>/<deviceId>/command, a gateway to its districts'";
            }

            return Task.CompletedTask;
        }

        var gatewayWildcard = parts is [Root, _, "+", "telemetry" or "status", "reply"];
        if (!filter.EndsWith("/reply", StringComparison.Ordinal) || filter.Contains('#') || (filter.Contains('+') && !gatewayWildcard)
            || args.SessionItems[PrincipalItem] is not IngestPrincipal principal
            || (gatewayWildcard ? principal.DeviceId is not null || !principal.GatewayDistricts.Contains(parts[1])
                : ScopeOf(filter[..^"/reply".Length], principal, args.SessionItems[UserItem] as string) is not null))
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            args.ReasonString = "only a topic's own .../reply may be subscribed to";
        }

        return Task.CompletedTask;
    }

    private async Task Publish(InterceptingPublishEventArgs args)
    {
        var message = args.ApplicationMessage;
        if (args.ClientId == ServerClientId)
        {
            return; // a reply of ours, on its way to its subscriber
        }

        args.ProcessPublish = false; // nothing a device sends is passed on to other clients
        if (args.SessionItems[PrincipalItem] is not IngestPrincipal principal)
        {
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return;
        }

        using var lease = await _share.AcquireAsync(args.SessionItems[UserItem] as string ?? args.ClientId, 1, args.CancellationToken);
        if (!lease.IsAcquired)
        {
            // MQTT 3.1.1 has no refusing PUBACK: its connection is closed and the client sends the publish again later.
            args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
            args.Response.ReasonString = "this credential sends more publishes than its share; slow down";
            args.CloseConnection = args.SessionItems[Version5Item] is not true && message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;
            LogOverShare(args.ClientId);
            return;
        }

        var topic = message.Topic ?? "";
        if (ScopeOf(topic, principal, args.SessionItems[UserItem] as string) is { } refusal)
        {
            args.Response.ReasonCode = MqttPubAckReasonCode.TopicNameInvalid;
            args.Response.ReasonString = refusal;
            await ReplyAsync(message, new { accepted = 0, rejected = 0, error = new RuleViolation("topic", refusal) });
            return;
        }

        var parts = topic.Split('/');
        var deviceId = parts[1] == "gateways" ? null : parts[2];
        var readings = parts[^1] == "status"
            ? ParseStatus(deviceId!, message.Payload)
            : ParseTelemetry(deviceId, message.Payload);
        if (readings is null)
        {
            var violation = parts[^1] == "status"
                ? new RuleViolation("payload", "a status is 'online' or 'offline'")
                : ParseError(message.Payload);
            args.Response.ReasonCode = MqttPubAckReasonCode.PayloadFormatInvalid;
            args.Response.ReasonString = $"{violation.Field}: {violation.Message}";
            await ReplyAsync(message, new { accepted = 0, rejected = 0, error = violation });
            return;
        }

        if (readings.Count > limits.Value.MaxReadingsPerBatch)
        {
            var violation = new RuleViolation("readings", $"holds {readings.Count} readings; at most {limits.Value.MaxReadingsPerBatch} are taken per publish");
            args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
            args.Response.ReasonString = $"{violation.Field}: {violation.Message}";
            await ReplyAsync(message, new { accepted = 0, rejected = 0, error = violation });
            return;
        }

        try
        {
            // Durable before the PUBACK: the server acknowledges a QoS 1 publish when this returns.
            var result = await ingest.IngestAsync(principal, readings, args.CancellationToken);
            args.Response.ReasonCode = result.Accepted > 0 || readings.Count == 0 ? MqttPubAckReasonCode.Success : MqttPubAckReasonCode.PayloadFormatInvalid;
            if (result.Rejected > 0 || !string.IsNullOrEmpty(message.ResponseTopic))
            {
                await ReplyAsync(message, new TelemetryResponse(result.Accepted, result.Rejected, result.Rejections));
            }
        }
        catch (JournalUnavailableException ex)
        {
            // Not durable, so not acknowledged: MQTT 5 hears why; MQTT 3.1.1 has no refusing PUBACK, so its connection
            // is closed and the client sends the publish again when it reconnects.
            args.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
            args.Response.ReasonString = ex.Message;
            args.CloseConnection = args.SessionItems[Version5Item] is not true && message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;
            LogNotDurable(args.ClientId, ex.Message);
        }
    }

    /// <summary>Null when the principal may publish on the topic; otherwise why not.</summary>
    internal static string? ScopeOf(string topic, IngestPrincipal principal, string? user)
    {
        var parts = topic.Split('/');
        if (parts.Length == 4 && parts[0] == Root && parts[1] == "gateways" && parts[3] == "telemetry")
        {
            return principal.DeviceId is null && user == IngestCredentials.GatewayPrefix + parts[2]
                ? null
                : $"only gateway {parts[2]} publishes on {topic}";
        }

        if (parts.Length == 4 && parts[0] == Root && parts[3] is "telemetry" or "status" && parts[2].Length is > 0 and <= DeviceRules.MaxIdLength)
        {
            // A device publishes on its own topics; a gateway on those of its districts' devices (each reading is
            // checked against the device's district by the ingest path's validation).
            return principal.DeviceId is { } own
                ? own == parts[2] ? null : $"device {own} publishes only on citycontrol/<district>/{own}/..."
                : principal.GatewayDistricts.Contains(parts[1]) ? null : $"this gateway serves no district '{parts[1]}'";
        }

        return "topics are citycontrol/<district>/<deviceId>/telemetry, citycontrol/<district>/<deviceId>/status or citycontrol/gateways/<gatewayId>/telemetry";
    }

    /// <summary>A status as a connection reading: online 1, offline 0, stamped now (a will carries no time).</summary>
    private List<IncomingReading>? ParseStatus(string deviceId, ReadOnlySequence<byte> payload)
    {
        var text = Encoding.UTF8.GetString(payload).Trim().Trim('"').ToLowerInvariant();
        double? value = text switch
        {
            "online" or "1" => 1,
            "offline" or "0" => 0,
            _ => null,
        };
        return value is { } v ? [new IncomingReading(deviceId, clock.UtcNow, MetricCatalog.Connection, v, "state")] : null;
    }

    /// <summary>
    /// The readings of a telemetry payload: the HTTP body, an array, or one reading; a reading without a device id on
    /// a device topic is that device's. Null when the payload is not one of these (<see cref="ParseError"/> says why).
    /// </summary>
    internal static List<IncomingReading>? ParseTelemetry(string? deviceId, ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var items = root.ValueKind switch
            {
                JsonValueKind.Object when root.TryGetProperty("readings", out var array) && array.ValueKind == JsonValueKind.Array => array.EnumerateArray().ToList(),
                JsonValueKind.Object => [root],
                JsonValueKind.Array => root.EnumerateArray().ToList(),
                _ => null,
            };
            if (items is null || items.Count == 0)
            {
                return null;
            }

            return [.. items.Select(TelemetryEndpoints.Parse).Select(r => r.DeviceId is null && deviceId is not null && r.ParseError is null ? r with { DeviceId = deviceId } : r)];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static RuleViolation ParseError(ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            return new RuleViolation("payload", "must be {\"readings\": [...]}, an array of readings or one reading {deviceId, timestamp, metric, value, unit}, with at least one reading");
        }
        catch (JsonException ex)
        {
            return new RuleViolation("payload", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
        }
    }

    /// <summary>Publishes each command, retained, on its device's command topic: a device that connects later still gets the last one.</summary>
    public async Task SendAsync(IReadOnlyList<CityControl.Devices.DeviceEvent> commands)
    {
        if (_server is not { } server)
        {
            return;
        }

        foreach (var c in commands)
        {
            var live = c.Live;
            var body = new
            {
                deviceId = c.DeviceId,
                at = c.At,
                detail = c.Detail,
                signalPlan = live?.SignalPlan is { } plan ? new { plan = plan.Plan.ToString(), incidentId = plan.IncidentId, since = plan.Since } : null,
                warning = live?.Warning is { } w ? new { sequence = w.Sequence, message = w.Message, incidentId = w.IncidentId, active = w.Active } : null,
                barrier = live?.BarrierCommand is { } b ? new { target = b.Target.ToString().ToLowerInvariant(), incidentId = b.IncidentId } : null,
            };
            var message = new MqttApplicationMessageBuilder()
                .WithTopic($"{Root}/{c.District}/{c.DeviceId}/command")
                .WithPayload(JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web))
                .WithContentType("application/json")
                .WithRetainFlag()
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = ServerClientId });
        }
    }

    private async Task ReplyAsync(MqttApplicationMessage to, object body)
    {
        if (_server is not { } server)
        {
            return;
        }

        var reply = new MqttApplicationMessageBuilder()
            .WithTopic(string.IsNullOrEmpty(to.ResponseTopic) ? to.Topic + "/reply" : to.ResponseTopic)
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web))
            .WithContentType("application/json")
            .WithCorrelationData(to.CorrelationData)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(reply) { SenderClientId = ServerClientId });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT ingest listening on {Host}:{Port} (TLS port {TlsPort})")]
    private partial void LogStarted(string host, int port, int? tlsPort);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT client {ClientId} ({User}) refused at CONNECT: {Reason}")]
    private partial void LogRefused(string clientId, string? user, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT publish of {ClientId} refused: its credential sends more than its share")]
    private partial void LogOverShare(string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT publish of {ClientId} not acknowledged: {Reason}")]
    private partial void LogNotDurable(string clientId, string reason);
}
