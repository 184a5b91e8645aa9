using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace CityControl.Tests.Integration;

/// <summary>
/// Field devices and gateways over MQTT, against the platform's MQTT endpoint on loopback with real Azurite behind the
/// journal: MQTTnet's client, and Debian's Mosquitto broker bridged to the platform as a site's own broker would be.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MqttIngestTests(AzuriteFixture azurite)
{
    private static Dictionary<string, string> Settings(string connectionString, int mqttPort)
    {
        var settings = PlatformSettings.Azure(connectionString);
        settings["CityControl:Mqtt:Enabled"] = "true";
        settings["CityControl:Mqtt:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return settings;
    }

    private static async Task<(string Username, string Secret)> GatewayAsync(PlatformApi api, string district)
    {
        using var response = await api.PostJsonAsync("/api/gateways", new { id = "gw-" + Guid.NewGuid().ToString("N")[..8], name = "MQTT gateway", districts = new[] { district } }, PlatformApi.Admin);
        var credential = (await PlatformApi.BodyAsync(response))["credential"]!;
        return (credential["username"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());
    }

    private static MqttClientOptionsBuilder Options(int port, (string Username, string Secret) credential, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("test-" + Guid.NewGuid().ToString("N")[..8])
            .WithCredentials(credential.Username, credential.Secret)
            .WithProtocolVersion(version)
            .WithCleanSession();

    private static MqttApplicationMessage Message(string topic, object body) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(PlatformApi.Json(body).ReadAsStringAsync().Result)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static async Task<List<double>> HistoryAsync(PlatformApi api, string id, string metric) =>
        [.. (await api.GetJsonAsync($"/api/devices/{id}/readings?metric={metric}&max=200", PlatformApi.Operator)).AsArray().Select(r => r!["value"]!.GetValue<double>())];

    [Fact]
    public async Task A_gateways_QoS_1_readings_are_acknowledged_only_once_journaled_and_are_there_after_the_platform_is_killed()
    {
        var port = FreePorts.Next();
        var settings = Settings(azurite.ConnectionString, port);
        settings["CityControl:Devices:CheckpointInterval"] = "01:00:00"; // after the kill, only the journal has them
        var district = "Mqtt-" + Guid.NewGuid().ToString("N")[..6];
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var values = Enumerable.Range(0, 20).Select(i => Math.Round(2 + i * 0.1, 2)).ToArray();

        await using (var platform = await PlatformProcess.StartAsync(settings))
        using (var api = new PlatformApi(platform.BaseAddress))
        {
            await api.OnboardAsync(TestDevices.Gas(gas, district));
            var credential = await GatewayAsync(api, district);
            using var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(Options(port, credential).Build(), TestContext.Current.CancellationToken);
            var gatewayId = credential.Username["gateway:".Length..];
            var published = await client.PublishAsync(Message($"citycontrol/gateways/{gatewayId}/telemetry", new
            {
                readings = values.Select((v, i) => TestDevices.Reading(gas, now.AddSeconds(-30 + i), "concentration", v, "ppm")),
            }), TestContext.Current.CancellationToken);

            Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
            await platform.KillAsync();
        }

        await using (var platform = await PlatformProcess.StartAsync(settings))
        using (var api = new PlatformApi(platform.BaseAddress))
        {
            Assert.Equal(values, await HistoryAsync(api, gas, "concentration"));
        }
    }

    [Fact]
    public async Task A_device_that_drops_without_DISCONNECT_is_offline_within_a_second_by_its_Last_Will_and_a_bad_payload_is_answered_without_ending_the_session()
    {
        var port = FreePorts.Next();
        await using var platform = await InProcessPlatform.StartAsync(Settings(azurite.ConnectionString, port));
        var api = platform.Api;
        var district = "Mqtt-" + Guid.NewGuid().ToString("N")[..6];
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var credential = await api.OnboardAsync(TestDevices.Gas(gas, district));
        var telemetry = $"citycontrol/{district}/{gas}/telemetry";
        var status = $"citycontrol/{district}/{gas}/status";

        // A wrong secret is refused at CONNECT.
        using (var intruder = new MqttClientFactory().CreateMqttClient())
        {
            var refused = await intruder.ConnectAsync(Options(port, (credential.Username, "wrong")).Build(), TestContext.Current.CancellationToken);
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, refused.ResultCode);
            Assert.False(intruder.IsConnected);
        }

        // The device connects through a link the test can cut, with its Last Will on its status topic.
        await using var link = new CuttableProxy(new Uri($"http://127.0.0.1:{port}"));
        using var device = new MqttClientFactory().CreateMqttClient();
        var replies = new List<JsonNode>();
        device.ApplicationMessageReceivedAsync += e =>
        {
            lock (replies)
            {
                replies.Add(JsonNode.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload))!);
            }

            return Task.CompletedTask;
        };
        await device.ConnectAsync(Options(link.Address.Port, credential)
            .WithWillTopic(status).WithWillPayload("offline").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);
        await device.SubscribeAsync(telemetry + "/reply", MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);

        // A malformed payload: refused with the reason on the reply topic; the session stays up and the next one is taken.
        var bad = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(telemetry).WithPayload("{\"metric\": \"concentration\", ")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, bad.ReasonCode);
        var invalid = await device.PublishAsync(Message(telemetry, new { timestamp = DateTimeOffset.UtcNow.ToString("O"), metric = "concentration", value = 3, unit = "furlongs" }), TestContext.Current.CancellationToken);
        var good = await device.PublishAsync(Message(telemetry, new { timestamp = DateTimeOffset.UtcNow.ToString("O"), metric = "concentration", value = 3.5, unit = "ppm" }), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, invalid.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, good.ReasonCode);
        Assert.True(device.IsConnected);
        var seen = Stopwatch.StartNew();
        while (replies.Count < 2 && seen.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        lock (replies)
        {
            Assert.Equal("payload", replies[0]["error"]!["field"]!.GetValue<string>());
            Assert.Contains("not valid JSON", replies[0]["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("unit", replies[1]["rejections"]![0]!["field"]!.GetValue<string>());
        }

        Assert.Equal([3.5], await HistoryAsync(api, gas, "concentration"));
        Assert.Equal("online", (await api.GetJsonAsync($"/api/devices/{gas}"))["connectivity"]!.GetValue<string>());

        // The link drops without a DISCONNECT: the will makes the device offline at once, not at its 5-minute heartbeat.
        await using var live = await LiveClient.ConnectAsync(platform.BaseAddress, api, PlatformApi.Operator);
        var cut = Stopwatch.StartNew();
        link.Cut();
        var offline = await live.WaitForDeviceEvent(e => e.DeviceId == gas && e.Type == CityControl.Devices.DeviceEventType.WentOffline);
        var after = cut.Elapsed;
        Assert.True(after < TimeSpan.FromSeconds(1), $"offline {after} after the link was cut");
        Assert.Contains("Last Will", offline.Detail, StringComparison.Ordinal);
        Assert.Equal("offline", (await api.GetJsonAsync($"/api/devices/{gas}"))["connectivity"]!.GetValue<string>());

        // Back: it reconnects and says so on its status topic.
        link.Restore();
        using var again = new MqttClientFactory().CreateMqttClient();
        await again.ConnectAsync(Options(port, credential).Build(), TestContext.Current.CancellationToken);
        var online = await again.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(status).WithPayload("online").WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientPublishReasonCode.Success, online.ReasonCode);
        await live.WaitForDeviceEvent(e => e.DeviceId == gas && e.Type == CityControl.Devices.DeviceEventType.CameBackOnline);
        Assert.Equal("online", (await api.GetJsonAsync($"/api/devices/{gas}"))["connectivity"]!.GetValue<string>());

        // Another device's topic is not this device's to publish on.
        var foreign = await again.PublishAsync(Message($"citycontrol/{district}/someone-else/telemetry", new { metric = "concentration", value = 1 }), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientPublishReasonCode.TopicNameInvalid, foreign.ReasonCode);
    }

    [Fact]
    public async Task Over_TLS_a_gateway_that_checks_the_servers_certificate_publishes_and_a_plain_connection_gets_nowhere()
    {
        // The deployment's own certificate (here self-signed for 127.0.0.1), given as a .pfx; no plain endpoint.
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=citycontrol-mqtt", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = Path.Combine(Directory.CreateTempSubdirectory("citycontrol-tls-").FullName, "mqtt.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pfx-secret"), TestContext.Current.CancellationToken);

        var tlsPort = FreePorts.Next();
        var settings = Settings(azurite.ConnectionString, 0);
        settings["CityControl:Mqtt:TlsPort"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["CityControl:Mqtt:CertificatePath"] = pfx;
        settings["CityControl:Mqtt:CertificatePassword"] = "pfx-secret";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var api = platform.Api;
        var district = "Tls-" + Guid.NewGuid().ToString("N")[..6];
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        await api.OnboardAsync(TestDevices.Gas(gas, district));
        var gateway = await GatewayAsync(api, district);

        // The gateway pins the server's certificate: it talks to this server or to no one.
        var presented = "";
        using var client = new MqttClientFactory().CreateMqttClient();
        var connected = await client.ConnectAsync(Options(tlsPort, gateway)
            .WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(e =>
            {
                presented = e.Certificate?.GetCertHashString() ?? "";
                return presented == certificate.GetCertHashString();
            }))
            .Build(), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        Assert.Equal(certificate.GetCertHashString(), presented);
        var gatewayId = gateway.Username["gateway:".Length..];
        var published = await client.PublishAsync(Message($"citycontrol/gateways/{gatewayId}/telemetry", new { readings = new[] { TestDevices.Reading(gas, DateTimeOffset.UtcNow, "concentration", 4.5, "ppm") } }), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        Assert.Equal([4.5], await HistoryAsync(api, gas, "concentration"));

        // MQTT without TLS on the TLS port gets no session.
        using var plain = new MqttClientFactory().CreateMqttClient();
        await Assert.ThrowsAnyAsync<Exception>(() => plain.ConnectAsync(Options(tlsPort, gateway).WithTimeout(TimeSpan.FromSeconds(5)).Build(), TestContext.Current.CancellationToken));
        Assert.False(plain.IsConnected);
    }

    [Fact]
    public async Task A_sites_Mosquitto_broker_bridged_to_the_platform_delivers_its_devices_readings_their_Last_Wills_and_their_replies()
    {
        var port = FreePorts.Next();
        await using var platform = await InProcessPlatform.StartAsync(Settings(azurite.ConnectionString, port));
        var api = platform.Api;
        var district = "Mosq-" + Guid.NewGuid().ToString("N")[..6];
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        await api.OnboardAsync(TestDevices.Gas(gas, district));
        var gateway = await GatewayAsync(api, district);

        // The site's broker: devices publish to it; its bridge forwards citycontrol/# to the platform with the gateway's credential.
        var folder = Directory.CreateTempSubdirectory("citycontrol-mosquitto-").FullName;
        var local = FreePorts.Next();
        var config = Path.Combine(folder, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"""
            listener {local} 127.0.0.1
            allow_anonymous true
            persistence false
            connection citycontrol
            address 127.0.0.1:{port}
            bridge_protocol_version mqttv311
            remote_clientid bridge-{Guid.NewGuid():N}
            remote_username {gateway.Username}
            remote_password {gateway.Secret}
            cleansession true
            topic citycontrol/# out 1
            topic citycontrol/{district}/+/telemetry/reply in 1
            """, TestContext.Current.CancellationToken);
        using var broker = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            // Wait for the broker's listener, then publish as a field device would, with Debian's mosquitto_pub.
            for (var tries = 0; tries < 50 && !Listening(local); tries++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            var values = new[] { 1.5, 2.5, 3.5 };
            var clock = Stopwatch.StartNew();
            foreach (var (value, i) in values.Select((v, i) => (v, i)))
            {
                var body = $"{{\"timestamp\":\"{DateTimeOffset.UtcNow.AddSeconds(i - 10):O}\",\"metric\":\"concentration\",\"value\":{value},\"unit\":\"ppm\"}}";
                using var publish = Process.Start(new ProcessStartInfo("/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", local.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1", "-t", $"citycontrol/{district}/{gas}/telemetry", "-m", body]))!;
                await publish.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.Equal(0, publish.ExitCode);
            }

            List<double> history = [];
            while (history.Count < values.Length && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                history = await HistoryAsync(api, gas, "concentration");
            }

            Assert.Equal(values, history);

            // A device of the site's broker with its Last Will there: the broker publishes the will when the device's
            // link drops, the bridge carries it to the platform, and the device is offline at once.
            await using var link = new CuttableProxy(new Uri($"http://127.0.0.1:{local}"));
            using var device = new MqttClientFactory().CreateMqttClient();
            var replies = new List<string>();
            device.ApplicationMessageReceivedAsync += e =>
            {
                lock (replies)
                {
                    replies.Add(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
                }

                return Task.CompletedTask;
            };
            await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", link.Address.Port).WithClientId("site-" + gas)
                .WithProtocolVersion(MqttProtocolVersion.V311).WithCleanSession()
                .WithWillTopic($"citycontrol/{district}/{gas}/status").WithWillPayload("offline").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), TestContext.Current.CancellationToken);

            // Its malformed payload is answered on its reply topic, through the bridge.
            await device.SubscribeAsync($"citycontrol/{district}/{gas}/telemetry/reply", MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);
            await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"citycontrol/{district}/{gas}/telemetry").WithPayload("{\"value\": ")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);
            for (var waited = Stopwatch.StartNew(); replies.Count == 0 && waited.Elapsed < TimeSpan.FromSeconds(15);)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            lock (replies)
            {
                Assert.Contains("not valid JSON", Assert.Single(replies), StringComparison.Ordinal);
            }

            await using var live = await LiveClient.ConnectAsync(platform.BaseAddress, api, PlatformApi.Operator);
            var cut = Stopwatch.StartNew();
            link.Cut();
            var offline = await live.WaitForDeviceEvent(e => e.DeviceId == gas && e.Type == CityControl.Devices.DeviceEventType.WentOffline);
            Assert.True(cut.Elapsed < TimeSpan.FromSeconds(2), $"offline {cut.Elapsed} after the device's link to its site broker was cut");
            Assert.Contains("Last Will", offline.Detail, StringComparison.Ordinal);
        }
        finally
        {
            broker.Kill();
            await broker.WaitForExitAsync(CancellationToken.None);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Hostile_packets_end_only_their_own_connection_and_a_gateway_over_its_share_is_slowed_not_dropped()
    {
        var port = FreePorts.Next();
        var settings = Settings(azurite.ConnectionString, port);
        settings["CityControl:Mqtt:MaxPacketBytes"] = "65536";
        settings["CityControl:Ingest:MaxReadingsPerBatch"] = "50";
        settings["CityControl:Ingest:RequestsPerSecondPerCredential"] = "5";
        settings["CityControl:Ingest:BurstPerCredential"] = "5";
        settings["CityControl:Mqtt:MaxConnections"] = "4";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var api = platform.Api;
        var district = "Mqtt-" + Guid.NewGuid().ToString("N")[..6];
        var gas = "gas-" + Guid.NewGuid().ToString("N")[..8];
        await api.OnboardAsync(TestDevices.Gas(gas, district));
        var credential = await GatewayAsync(api, district);
        var topic = $"citycontrol/gateways/{credential.Username["gateway:".Length..]}/telemetry";

        // Connections that declare a packet of 256 MiB (before any CONNECT is checked) or a length MQTT does not allow
        // are closed at once, and the server never takes the memory they ask for.
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        byte[][] hostile = [[0x10, 0xFF, 0xFF, 0xFF, 0x7F], [0x10, 0xFF, 0xFF, 0xFF, 0x7F], [0x30, 0xFF, 0xFF, 0xFF, 0x7F], [0x10, 0x80, 0x80, 0x80, 0x80, 0x01]];
        foreach (var bytes in hostile)
        {
            using var raw = new System.Net.Sockets.TcpClient();
            await raw.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
            var stream = raw.GetStream();
            await stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
            using var closes = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            closes.CancelAfter(TimeSpan.FromSeconds(5));
            Assert.Equal(0, await stream.ReadAsync(new byte[16], closes.Token));
        }

        var taken = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Assert.True(taken < 256L * 1024 * 1024, $"{taken / (1024 * 1024)} MiB allocated while refusing declared packets of 4 x 256 MiB");

        // Four connections that never send CONNECT hold every place (MaxConnections 4 here): a fifth is closed at once;
        // once they are gone, a gateway connects.
        var idle = new List<System.Net.Sockets.TcpClient>();
        for (var i = 0; i < 4; i++)
        {
            idle.Add(new System.Net.Sockets.TcpClient());
            await idle[^1].ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
        }

        using (var fifth = new System.Net.Sockets.TcpClient())
        {
            await fifth.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
            using var closes = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            closes.CancelAfter(TimeSpan.FromSeconds(2));
            Assert.Equal(0, await fifth.GetStream().ReadAsync(new byte[16], closes.Token));
        }

        idle.ForEach(c => c.Dispose());

        // A gateway whose publish is over the packet limit loses its connection; another session of the same site goes on.
        using var careless = new MqttClientFactory().CreateMqttClient();
        using var steady = new MqttClientFactory().CreateMqttClient();
        // (The idle connections' places are free again once the server has seen them go: a moment.)
        await Poll.Until(async () =>
        {
            try
            {
                await careless.ConnectAsync(Options(port, credential).Build(), TestContext.Current.CancellationToken);
                return true;
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                return false;
            }
        }, connected => connected);
        await steady.ConnectAsync(Options(port, credential).Build(), TestContext.Current.CancellationToken);
        var huge = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(new string(' ', 70_000) + "[]")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        using (var within = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            within.CancelAfter(TimeSpan.FromSeconds(10));
            await Assert.ThrowsAnyAsync<Exception>(() => careless.PublishAsync(huge, within.Token));
        }

        await Poll.Until(() => Task.FromResult(careless.IsConnected), connected => !connected);
        var now = DateTimeOffset.UtcNow;
        var fine = await steady.PublishAsync(Message(topic, new { readings = new[] { TestDevices.Reading(gas, now.AddSeconds(-60), "concentration", 1.0, "ppm") } }), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientPublishReasonCode.Success, fine.ReasonCode);

        // More readings in one publish than a batch may hold: refused with the reason, the session stays.
        var replies = new List<JsonNode>();
        steady.ApplicationMessageReceivedAsync += e =>
        {
            lock (replies)
            {
                replies.Add(JsonNode.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload))!);
            }

            return Task.CompletedTask;
        };
        await steady.SubscribeAsync(topic + "/reply", MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);
        var many = await steady.PublishAsync(Message(topic, new { readings = Enumerable.Range(0, 60).Select(i => TestDevices.Reading(gas, now.AddSeconds(-59 + i * 0.1), "concentration", 1.0, "ppm")) }), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, many.ReasonCode);
        await Poll.Until(() => { lock (replies) { return Task.FromResult(replies.Count); } }, count => count > 0);
        lock (replies)
        {
            Assert.Equal("readings", replies[0]["error"]!["field"]!.GetValue<string>());
            Assert.Equal("holds 60 readings; at most 50 are taken per publish", replies[0]["error"]!["message"]!.GetValue<string>());
        }

        // Over its share (5 publishes a second here) a gateway is slowed, not refused: every reading arrives. Unthrottled, 30
        // publishes take 1-2 s here (a journal write each); at 5 a second after a burst of 5, at least 5 s.
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 30; i++)
        {
            var sent = await steady.PublishAsync(Message(topic, new { readings = new[] { TestDevices.Reading(gas, now.AddSeconds(-50 + i), "concentration", 2 + i * 0.01, "ppm") } }), TestContext.Current.CancellationToken);
            Assert.Equal(MqttClientPublishReasonCode.Success, sent.ReasonCode);
        }

        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(4), $"30 publishes at 5 a second took only {clock.Elapsed}");
        Assert.True(steady.IsConnected);
        Assert.Equal(31, (await HistoryAsync(api, gas, "concentration")).Count);
    }

    private static bool Listening(int port)
    {
        try
        {
            using var probe = new System.Net.Sockets.TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
