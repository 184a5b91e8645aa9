using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CityControl.Devices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Simulator;

/// <summary>The simulator's settings, from <c>CityControl:Simulator</c>.</summary>
public sealed class SimulatorOptions
{
    public const string Section = "CityControl:Simulator";

    /// <summary>The platform's public address (any web front end, or the load balancer in front of them).</summary>
    public Uri Platform { get; set; } = new("http://127.0.0.1:5080");

    /// <summary>The admin account that onboards the demo devices and registers the gateway.</summary>
    public string AdminUser { get; set; } = "admin";

    public string AdminPassword { get; set; } = "admin-demo";

    /// <summary>Onboard the demo city (devices that exist are left as they are).</summary>
    public bool Seed { get; set; } = true;

    /// <summary>Send readings every <see cref="Interval"/>.</summary>
    public bool Simulate { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The public CCTV clips (../shared/data/video): four demo cameras play them as their stream. The platform must allow the folder (CityControl:CameraSources:FileFolders).</summary>
    public string? VideoFolder { get; set; }

    public string GatewayId { get; set; } = "demo-gateway";

    /// <summary>
    /// A signal controller's real hi-res event log (an ATSPM CSV export or a raw Econolite .dat) to replay as the live
    /// readings of <see cref="SignalLogDevice"/>, at <see cref="SignalLogSpeed"/> times real time, over and over.
    /// </summary>
    public string? SignalLog { get; set; }

    public string SignalLogDevice { get; set; } = "sig-ydp-01";

    /// <summary>The log's count detector channels and the approaches they count ("2:NB,6:SB").</summary>
    public string? SignalLogDetectors { get; set; }

    public double SignalLogSpeed { get; set; } = 1;

    /// <summary>The interval of the replayed volumes and occupancies (in the log's time).</summary>
    public TimeSpan SignalLogInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The platform's MQTT port: the gateway subscribes there to its devices' commands (0: no commands are taken).</summary>
    public int MqttPort { get; set; }

    public string MqttHost { get; set; } = "127.0.0.1";
}

/// <summary>
/// The demo city's field gateway, as GPSTracker's fake device gateway drives that sample: it signs in as an admin to
/// onboard the demo devices and to register itself as a gateway for their districts, then sends their readings to
/// <c>POST /api/telemetry</c> with the gateway's credential, as field equipment would. It keeps going when the
/// platform is away (each batch is retried at the next tick, and a 429 or 503's Retry-After is honoured).
/// </summary>
public sealed partial class FieldGateway(HttpClient http, IOptions<SimulatorOptions> options, TimeProvider time, DeviceCommands commands, ILogger<FieldGateway> logger) : BackgroundService
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly SimulatorOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        http.BaseAddress ??= _options.Platform;
        AuthenticationHeaderValue? gateway = null;
        while (gateway is null)
        {
            try
            {
                var admin = await SignInAsync(stoppingToken);
                if (_options.Seed)
                {
                    await SeedAsync(admin, stoppingToken);
                }

                gateway = await RegisterGatewayAsync(admin, stoppingToken);

                // The admin session is needed no longer: end it, as a person would sign out.
                using var signedOut = await Send(HttpMethod.Post, "/api/auth/sign-out", admin, null, stoppingToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or SimulatorException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogWaiting(_options.Platform, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
            }
        }

        if (!_options.Simulate)
        {
            return;
        }

        // A signal driven by its controller's real log is left out of the made-up readings.
        SignalLogReplay? replay = null;
        if (_options.SignalLog is { Length: > 0 } log)
        {
            replay = SignalLogReplay.FromFile(log, _options.SignalLogDevice, _options.SignalLogDetectors, _options.SignalLogInterval, _options.SignalLogSpeed, time);
            LogReplaying(log, replay.DeviceId, replay.Speed, replay.PassDuration.TotalMinutes);
        }

        var listening = _options.MqttPort > 0 ? commands.ListenAsync(_options, _gatewayUser!, _gatewaySecret!, stoppingToken) : Task.CompletedTask;
        var readings = new DemoReadings(time.GetUtcNow(), playsVideo: _options.VideoFolder is { Length: > 0 }, replayed: replay?.DeviceId, commands);
        var replaying = replay?.RunAsync((batch, ct) => SendAsync(gateway, batch, ct), ct: stoppingToken) ?? Task.CompletedTask;
        using var timer = new PeriodicTimer(_options.Interval, time);
        do
        {
            await SendAsync(gateway, readings.Generate(time.GetUtcNow()), stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));

        await replaying;
        await listening;
    }

    private string? _gatewayUser;
    private string? _gatewaySecret;

    private async Task SendAsync(AuthenticationHeaderValue gateway, List<SimulatedReading> readings, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry") { Content = JsonContent.Create(new { readings }, options: Json) };
            request.Headers.Authorization = gateway;
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonObject>(Json, ct);
                if (body?["rejected"]?.GetValue<int>() is > 0 and var rejected)
                {
                    LogRejected(rejected, body["rejections"]?[0]?["reason"]?.GetValue<string>());
                }
            }
            else if (response.Headers.RetryAfter?.Delta is { } wait)
            {
                LogRefused((int)response.StatusCode, wait.TotalSeconds);
                await Task.Delay(wait, time, ct);
            }
            else
            {
                LogRefused((int)response.StatusCode, 0);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            LogUnreachable(ex.Message);
        }
    }

    private async Task<AuthenticationHeaderValue> SignInAsync(CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/token", new { username = _options.AdminUser, password = _options.AdminPassword }, Json, ct);
        var body = await Read(response, "signing in", ct);
        return new AuthenticationHeaderValue("Bearer", body["accessToken"]!.GetValue<string>());
    }

    private async Task SeedAsync(AuthenticationHeaderValue admin, CancellationToken ct)
    {
        var created = 0;
        foreach (var device in DemoCity.Devices)
        {
            using var response = await Send(HttpMethod.Post, "/api/devices", admin, new
            {
                device.Id,
                device.Kind,
                device.Name,
                device.Location,
                device.District,
                device.Zone,
                HeartbeatSeconds = device.HeartbeatInterval.TotalSeconds,
                device.Camera,
                device.TrafficSignal,
                device.GasSensor,
                device.FloodSensor,
                device.WarningDevice,
            }, ct);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                created++;
                using var active = await Send(HttpMethod.Patch, $"/api/devices/{device.Id}", admin, new { Status = "active" }, ct);
                await Read(active, $"activating {device.Id}", ct);
            }
            else if (response.StatusCode != HttpStatusCode.Conflict)
            {
                await Read(response, $"onboarding {device.Id}", ct);
            }
        }

        LogSeeded(created, DemoCity.Devices.Length);
        foreach (var (agency, id, name, station) in DemoCity.Units)
        {
            using var unit = await Send(HttpMethod.Put, $"/api/units/{agency}/{id}", admin, new { Name = name, Station = station }, ct);
            await Read(unit, $"adding unit {id}", ct);
        }

        foreach (var (zone, name, subscribers) in DemoCity.CarParks)
        {
            using var carPark = await Send(HttpMethod.Put, $"/api/car-parks/Yeouido/{zone}", admin, new { Name = name, CloseWithinMinutes = 30, Subscribers = subscribers }, ct);
            await Read(carPark, $"registering {name}", ct);
        }

        if (_options.VideoFolder is { Length: > 0 } folder)
        {
            await AttachVideoAsync(admin, folder, ct);
        }
    }

    /// <summary>Points the demo video cameras that have no stream yet at their clip, with its sample analytics settings.</summary>
    private async Task AttachVideoAsync(AuthenticationHeaderValue admin, string folder, CancellationToken ct)
    {
        foreach (var (id, (clip, settings)) in DemoCity.VideoCameras)
        {
            var path = Path.GetFullPath(Path.Combine(folder, clip));
            using var current = await Send(HttpMethod.Get, $"/api/devices/{id}", admin, null, ct);
            var camera = (await Read(current, $"reading {id}", ct))["camera"];
            if (!File.Exists(path) || camera is null || camera["streamUrl"] is not null)
            {
                continue;
            }

            var settingsNow = camera.Deserialize<CameraSettings>(Json)!;
            using var patched = await Send(HttpMethod.Patch, $"/api/devices/{id}", admin, new { Camera = settingsNow with { StreamUrl = new Uri(path).AbsoluteUri } }, ct);
            await Read(patched, $"giving {id} its clip", ct);
            if (settings is not null)
            {
                var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Samples", settings), ct);
                using var analytics = await Send(HttpMethod.Put, $"/api/cameras/{id}/analytics", admin, JsonNode.Parse(json), ct);
                await Read(analytics, $"setting {id}'s analytics", ct);
            }

            LogVideo(id, clip);
        }
    }

    /// <summary>Registers the gateway for the demo districts, or issues it a new secret if it exists (the old one is not kept anywhere).</summary>
    private async Task<AuthenticationHeaderValue> RegisterGatewayAsync(AuthenticationHeaderValue admin, CancellationToken ct)
    {
        var districts = DemoCity.Devices.Select(d => d.District).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var response = await Send(HttpMethod.Post, "/api/gateways", admin, new { Id = _options.GatewayId, Name = "Demo city field gateway", Districts = districts }, ct);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            response.Dispose();
            response = await Send(HttpMethod.Post, $"/api/gateways/{_options.GatewayId}/credential", admin, null, ct);
        }

        using (response)
        {
            var body = await Read(response, "registering the gateway", ct);
            var credential = body["credential"] ?? body;
            (_gatewayUser, _gatewaySecret) = (credential["username"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());
            var basic = $"{_gatewayUser}:{_gatewaySecret}";
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, AuthenticationHeaderValue auth, object? body, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = auth;
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        return SendDisposing(request, ct);
    }

    private async Task<HttpResponseMessage> SendDisposing(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            return await http.SendAsync(request, ct);
        }
    }

    private static async Task<JsonObject> Read(HttpResponseMessage response, string what, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new SimulatorException($"{what}: the platform answered {(int)response.StatusCode} {text}");
        }

        return JsonNode.Parse(text) as JsonObject ?? throw new SimulatorException($"{what}: the platform answered {text}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for the platform at {Platform}: {Reason}")]
    private partial void LogWaiting(Uri platform, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo city: onboarded {Created} of {Total} devices (the rest existed)")]
    private partial void LogSeeded(int created, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo city: signal {DeviceId} replays the controller log {Log} at {Speed}x real time ({Minutes:F1} min a pass)")]
    private partial void LogReplaying(string log, string deviceId, double speed, double minutes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo city: camera {CameraId} plays {Clip} as its stream")]
    private partial void LogVideo(string cameraId, string clip);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulator: {Count} readings rejected, first: {Reason}")]
    private partial void LogRejected(int count, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulator: the platform answered {Status}; waiting {Seconds} s")]
    private partial void LogRefused(int status, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulator: the platform is unreachable ({Reason}); the next tick tries again")]
    private partial void LogUnreachable(string reason);
}

public sealed class SimulatorException(string message) : Exception(message);
