using CityControl.Video;
using System.Collections.Immutable;
using CityControl.Devices;

namespace CityControl.Simulator;

/// <summary>
/// A demo district on real ground in Seoul: signals and cameras around Yeongdeungpo, gas detectors in the Guro
/// digital industrial complex, and flood gauges in the Yeouido Hangang Park riverside car parks.
/// </summary>
public static class DemoCity
{
    public static ImmutableArray<DeviceDefinition> Devices { get; } = Build();

    /// <summary>The demo cameras that play a public clip as their stream, with the sample analytics settings for it.</summary>
    public static ImmutableDictionary<string, (string Clip, string? Settings)> VideoCameras { get; } = new Dictionary<string, (string, string?)>
    {
        ["cam-yeo-01"] = ("bgslibrary_video02.avi", "highway-hard-shoulder.json"),
        ["cam-yeo-08"] = ("intel_car-detection.mp4", "car-park-aisle-count.json"),
        ["cam-gur-05"] = ("intel_one-by-one-person-detection.mp4", "table-visits.json"),
        ["cam-yeo-03"] = ("bgslibrary_video.avi", "road-lane-count.json"),
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>The riverside car parks and their (made-up) subscribers: 010-0000-xxxx numbers are not given to anyone.</summary>
    public static ImmutableArray<(string Zone, string Name, object[] Subscribers)> CarParks { get; } =
    [
        ("parking-1", "Yeouido Hangang Park car park 1", [new { Name = "Demo owner 1", Phone = "+821000000001" }, new { Name = "Demo owner 2", Phone = "+821000000002" }]),
        ("parking-2", "Yeouido Hangang Park car park 2", [new { Name = "Demo owner 3", Phone = "+821000000003" }]),
    ];

    /// <summary>The demo's response units (made-up call signs at approximate station places): the roster dispatchers choose from.</summary>
    public static ImmutableArray<(string Agency, string Id, string Name, GeoPoint Station)> Units { get; } =
    [
        ("fire", "guro-engine-1", "Guro Engine 1", new GeoPoint(37.4921, 126.8871)),
        ("fire", "guro-hazmat-1", "Guro Hazmat 1", new GeoPoint(37.4923, 126.8874)),
        ("fire", "ydp-engine-1", "Yeongdeungpo Engine 1", new GeoPoint(37.5191, 126.9068)),
        ("police", "guro-patrol-1", "Guro Patrol 1", new GeoPoint(37.4952, 126.8862)),
        ("police", "ydp-patrol-1", "Yeongdeungpo Patrol 1", new GeoPoint(37.5169, 126.9061)),
    ];

    private static ImmutableArray<DeviceDefinition> Build()
    {
        var devices = ImmutableArray.CreateBuilder<DeviceDefinition>();
        var heartbeat = TimeSpan.FromSeconds(60);

        // Signals along Yeongdeungpo-ro, roughly 250 m apart.
        for (var i = 0; i < 12; i++)
        {
            var phases = ImmutableArray.Create(
                new SignalPhaseTiming(2, 20, 50, 4, 2),
                new SignalPhaseTiming(4, 10, 30, 4, 2),
                new SignalPhaseTiming(6, 20, 50, 4, 2),
                new SignalPhaseTiming(8, 10, 30, 4, 2));
            devices.Add(new($"sig-ydp-{i + 1:D2}", DeviceKind.TrafficSignal, $"Yeongdeungpo-ro signal {i + 1}",
                new GeoPoint(37.5155 + i * 0.0011, 126.9076 + i * 0.0019), "Yeongdeungpo", $"corridor-{(i / 4) + 1}", heartbeat,
                TrafficSignal: new TrafficSignalSettings(120, phases, $"10.20.0.{i + 11}")));
        }

        // Two signals on the roads into the Guro complex: a leak's hazard zone closes them.
        var guroPhases = ImmutableArray.Create(new SignalPhaseTiming(2, 15, 40, 4, 2), new SignalPhaseTiming(4, 10, 25, 4, 2));
        devices.Add(new("sig-guro-01", DeviceKind.TrafficSignal, "Digital-ro complex entrance signal", new GeoPoint(37.4846, 126.8985), "Guro", "complex-gate", heartbeat,
            TrafficSignal: new TrafficSignalSettings(90, guroPhases, "10.21.0.11")));
        devices.Add(new("sig-guro-02", DeviceKind.TrafficSignal, "Gamasan-ro complex entrance signal", new GeoPoint(37.4862, 126.8932), "Guro", "complex-gate", heartbeat,
            TrafficSignal: new TrafficSignalSettings(90, guroPhases, "10.21.0.12")));

        // Cameras: junctions, the industrial complex gates and the riverside car parks.
        for (var i = 0; i < 10; i++)
        {
            var (district, zone, lat, lon) = i switch
            {
                < 4 => ("Yeongdeungpo", $"corridor-{(i % 3) + 1}", 37.5160 + i * 0.0022, 126.9080 + i * 0.0035),
                < 7 => ("Guro", "complex-gate", 37.4845 + (i - 4) * 0.0020, 126.8975 + (i - 4) * 0.0018),
                _ => ("Yeouido", $"parking-{i - 6}", 37.5270 + (i - 7) * 0.0017, 126.9310 + (i - 7) * 0.0030),
            };
            // Junction cameras are the traffic centre's; the complex gates and car parks are the district's, watched
            // for crime, the facilities' safety and disasters (leaks, floods).
            var (owner, purposes) = i < 4
                ? (CameraOwner.Traffic, ImmutableArray.Create(VideoPurpose.TrafficInformation, VideoPurpose.TrafficEnforcement))
                : (CameraOwner.City, ImmutableArray.Create(VideoPurpose.CrimePrevention, VideoPurpose.FacilitySafety, VideoPurpose.DisasterResponse));
            devices.Add(new($"cam-{district.ToLowerInvariant()[..3]}-{i + 1:D2}", DeviceKind.Camera, $"{district} camera {i + 1}",
                new GeoPoint(lat, lon), district, zone, TimeSpan.FromSeconds(30),
                Camera: new CameraSettings(null, (i * 47) % 360, 70, 120, owner, purposes)));
        }

        // Gas detectors: ammonia and chlorine at a cold store and a water works, methane on a gas main.
        var gases = new (string Gas, string Unit, double? Low, double? High, double? Twa, double? Stel)[]
        {
            ("NH3", "ppm", 25, 35, 25, 35),
            ("Cl2", "ppm", 0.5, 1, 0.5, 1),
            ("CH4", "%LEL", 10, 20, null, null),
            ("H2S", "ppm", 10, 15, 10, 15),
        };
        for (var i = 0; i < 12; i++)
        {
            var g = gases[i % gases.Length];
            devices.Add(new($"gas-guro-{i + 1:D2}", DeviceKind.GasSensor, $"Guro complex {g.Gas} detector {i + 1}",
                new GeoPoint(37.4830 + (i / 4) * 0.0016, 126.8960 + (i % 4) * 0.0021), "Guro", $"plant-{(i / 4) + 1}", heartbeat,
                GasSensor: new GasSensorSettings(g.Gas, g.Unit, g.Low, g.High, g.Twa, g.Stel)));
        }

        // Flood gauges in the riverside car parks: levels in metres above the car park floor.
        for (var i = 0; i < 8; i++)
        {
            devices.Add(new($"flood-yeouido-{i + 1:D2}", DeviceKind.FloodSensor, $"Yeouido riverside car park gauge {i + 1}",
                new GeoPoint(37.5262 + i * 0.0009, 126.9290 + i * 0.0024), "Yeouido", $"parking-{(i / 3) + 1}", heartbeat,
                FloodSensor: new FloodSensorSettings(0, 0.3, 0.6)));
        }

        // The entrance barriers of the first two riverside car parks.
        devices.Add(new("barrier-yeouido-01", DeviceKind.Barrier, "Yeouido car park 1 entrance barrier", new GeoPoint(37.5259, 126.9286), "Yeouido", "parking-1", heartbeat));
        devices.Add(new("barrier-yeouido-02", DeviceKind.Barrier, "Yeouido car park 2 entrance barrier", new GeoPoint(37.5288, 126.9357), "Yeouido", "parking-2", heartbeat));

        // The complex's weather mast (the hazard zone's wind) and its public warning devices: a siren over the plants,
        // a loudspeaker at the residential edge east of them and a message sign on the road into the complex.
        devices.Add(new("wx-guro-01", DeviceKind.WeatherStation, "Guro complex weather mast", new GeoPoint(37.4838, 126.8985), "Guro", "complex-gate", heartbeat));
        devices.Add(new("siren-guro-01", DeviceKind.WarningDevice, "Guro complex siren", new GeoPoint(37.4850, 126.8992), "Guro", "plant-2", heartbeat,
            WarningDevice: new WarningDeviceSettings(WarningDeviceType.Siren, 800)));
        devices.Add(new("speaker-guro-01", DeviceKind.WarningDevice, "Guro residential loudspeaker", new GeoPoint(37.4846, 126.9060), "Guro", "residential-east", heartbeat,
            WarningDevice: new WarningDeviceSettings(WarningDeviceType.Loudspeaker, 400)));
        devices.Add(new("vms-guro-01", DeviceKind.WarningDevice, "Digital-ro message sign", new GeoPoint(37.4868, 126.8950), "Guro", "complex-gate", heartbeat,
            WarningDevice: new WarningDeviceSettings(WarningDeviceType.MessageSign, 150)));

        return [.. devices.Select(d => d with { Location = new GeoPoint(Math.Round(d.Location.Latitude, 6), Math.Round(d.Location.Longitude, 6)) })];
    }
}
