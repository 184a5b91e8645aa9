using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace CityControl.Simulator;

/// <summary>
/// The commands the platform sends the demo devices, as a field gateway hears them: subscribed (as the gateway) to
/// <c>citycontrol/{district}/+/command</c> on the platform's MQTT port, it keeps what each warning device is to play,
/// which the device then reports as its <c>playing</c> reading. It reconnects when the platform goes away.
/// </summary>
public sealed partial class DeviceCommands(TimeProvider time, ILogger<DeviceCommands> logger)
{
    private readonly ConcurrentDictionary<string, int> _playing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _barriers = new(StringComparer.Ordinal);

    /// <summary>A barrier's position as it reports it: where it was last told to go (0 open, 1 closed).</summary>
    public int PositionOf(string deviceId) => _barriers.GetValueOrDefault(deviceId);

    /// <summary>The sequence of the message the device was last told to play, 0 when it was told to stop.</summary>
    public int PlayingOf(string deviceId) => _playing.GetValueOrDefault(deviceId);

    /// <summary>Applies one command payload (as published on a command topic).</summary>
    public void Apply(string deviceId, ReadOnlySpan<byte> payload)
    {
        using var document = JsonDocument.Parse(payload.ToArray());
        if (document.RootElement.TryGetProperty("warning", out var warning) && warning.ValueKind == JsonValueKind.Object)
        {
            var active = warning.GetProperty("active").GetBoolean();
            _playing[deviceId] = active ? warning.GetProperty("sequence").GetInt32() : 0;
            LogCommand(deviceId, active ? $"play message {warning.GetProperty("sequence").GetInt32()}: {warning.GetProperty("message").GetString()}" : "stop");
        }
        else if (document.RootElement.TryGetProperty("barrier", out var barrier) && barrier.ValueKind == JsonValueKind.Object)
        {
            var target = barrier.GetProperty("target").GetString();
            _barriers[deviceId] = target == "closed" ? 1 : 0;
            LogCommand(deviceId, "move " + target);
        }
        else if (document.RootElement.TryGetProperty("signalPlan", out var plan))
        {
            LogCommand(deviceId, plan.ValueKind == JsonValueKind.Object ? $"run plan {plan.GetProperty("plan").GetString()}" : "back to its own plan");
        }
    }

    public async Task ListenAsync(SimulatorOptions options, string user, string secret, CancellationToken ct)
    {
        var districts = DemoCity.Devices.Select(d => d.District).Distinct(StringComparer.Ordinal).ToList();
        while (!ct.IsCancellationRequested)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            client.ApplicationMessageReceivedAsync += args =>
            {
                var parts = args.ApplicationMessage.Topic.Split('/');
                if (parts is ["citycontrol", _, var device, "command"])
                {
                    try
                    {
                        Apply(device, args.ApplicationMessage.Payload.ToArray());
                    }
                    catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
                    {
                        LogBadCommand(device, ex.Message);
                    }
                }

                return Task.CompletedTask;
            };
            try
            {
                await client.ConnectAsync(new MqttClientOptionsBuilder()
                    .WithTcpServer(options.MqttHost, options.MqttPort)
                    .WithClientId($"{options.GatewayId}-commands")
                    .WithCredentials(user, secret)
                    .WithCleanSession()
                    .Build(), ct);
                var subscribe = new MqttClientSubscribeOptionsBuilder();
                foreach (var district in districts)
                {
                    subscribe.WithTopicFilter($"citycontrol/{district}/+/command", MqttQualityOfServiceLevel.AtLeastOnce);
                }

                await client.SubscribeAsync(subscribe.Build(), ct);
                LogListening(options.MqttHost, options.MqttPort);
                while (client.IsConnected && !ct.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), time, ct);
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OperationCanceledException)
            {
                LogWaiting(options.MqttHost, options.MqttPort, ex.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(3), time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for device commands on MQTT {Host}:{Port}")]
    private partial void LogListening(string host, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command for {DeviceId}: {Command}")]
    private partial void LogCommand(string deviceId, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A command for {DeviceId} was not understood: {Reason}")]
    private partial void LogBadCommand(string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT {Host}:{Port} not reachable ({Reason}); trying again")]
    private partial void LogWaiting(string host, int port, string reason);
}
