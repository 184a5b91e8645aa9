using CityControl.Devices;
using CityControl.Incidents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using CityControl.Rules.Incidents;
using CityControl.Rules;
using CityControl.Grains.Devices;
using CityControl.Grains.Persistence;
using CityControl.Rules.Video;
using Orleans.Serialization;
using Orleans.Storage;

namespace CityControl.Grains.Hosting;

public static class GrainServiceCollectionExtensions
{
    /// <summary>The services the grains need, whatever the storage behind them.</summary>
    public static IServiceCollection AddCityControlGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(new CityClock(TimeProvider.System));
        services.TryAddSingleton<CheckpointLedger>();
        services.TryAddSingleton<GrainMetrics>();

        // Device histories beside grain state in memory unless the host puts them in its storage account.
        services.TryAddSingleton<IReadingHistoryStore, Devices.History.MemoryReadingHistoryStore>();

        // Grain state in Orleans' binary format, version tolerant through the [Id] every state type carries: a device's
        // state is a fraction of the size and the time of Orleans' default (Newtonsoft JSON with type names), which
        // made a deactivated device cost 15-22 KiB in memory storage and every checkpoint a JSON document. State that an
        // earlier version wrote as JSON is still read.
        services.AddSingleton<IGrainStorageSerializer>(sp => new GrainStorageSerializer(
            new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()),
            new JsonGrainStorageSerializer(sp.GetRequiredService<OrleansJsonSerializer>())));
        services.AddOptions<CameraSourceOptions>()
            .Bind(configuration.GetSection(CameraSourceOptions.Section))
            .Validate(o => o.AllowedNetworks.Concat(o.BlockedNetworks).All(n => System.Net.IPNetwork.TryParse(n.Contains('/') ? n : n + (n.Contains(':') ? "/128" : "/32"), out _)),
                $"{CameraSourceOptions.Section}:AllowedNetworks and BlockedNetworks must be IP networks in CIDR notation (10.20.0.0/16)")
            .ValidateOnStart();
        services.AddOptions<DeviceGrainOptions>()
            .Bind(configuration.GetSection(DeviceGrainOptions.Section))
            .Validate(o => o.CheckpointInterval >= TimeSpan.FromSeconds(1), $"{DeviceGrainOptions.Section}:CheckpointInterval must be at least 00:00:01")
            .Validate(o => o.HistoryLength is >= 1 and <= 10_000, $"{DeviceGrainOptions.Section}:HistoryLength must be between 1 and 10000")
            .Validate(o => o.HistoryBatch >= 1 && o.HistoryBatch <= o.HistoryLength, $"{DeviceGrainOptions.Section}:HistoryBatch must be between 1 and HistoryLength")
            .Validate(o => o.EventHistoryLength is >= 1 and <= 1_000, $"{DeviceGrainOptions.Section}:EventHistoryLength must be between 1 and 1000")
            .ValidateOnStart();
        services.AddOptions<CorrelationOptions>()
            .Bind(configuration.GetSection(CorrelationOptions.Section))
            .Validate(o => o.RadiusMeters is > 0 and <= 50_000, $"{CorrelationOptions.Section}:RadiusMeters must be more than 0 and at most 50000")
            .Validate(o => o.Window > TimeSpan.Zero, $"{CorrelationOptions.Section}:Window must be positive")
            .Validate(o => o.SensorsToConfirmLeak is >= 1 and <= 10, $"{CorrelationOptions.Section}:SensorsToConfirmLeak must be between 1 and 10")
            .Validate(o => o.EscalationStep >= TimeSpan.FromSeconds(1), $"{CorrelationOptions.Section}:EscalationStep must be at least one second")
            .ValidateOnStart();
        services.AddOptions<Notifications.SmsOptions>().Bind(configuration.GetSection(Notifications.SmsOptions.Section))
            .Validate(o => o.Url.Length == 0 || Uri.TryCreate(o.Url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https", $"{Notifications.SmsOptions.Section}:Url must be an absolute http or https URL")
            .ValidateOnStart();
        services.AddHttpClient<Notifications.ISubscriberNotifier, Notifications.SmsGateway>();
        services.AddOptions<CityControl.Rules.Hazards.HazardOptions>()
            .Bind(configuration.GetSection(CityControl.Rules.Hazards.HazardOptions.Section))
            .Validate(o => Enum.IsDefined(o.Terrain), $"{CityControl.Rules.Hazards.HazardOptions.Section}:Terrain must be Urban or Rural")
            .Validate(o => o.WeatherStationRadiusMeters is > 0 and <= 100_000, $"{CityControl.Rules.Hazards.HazardOptions.Section}:WeatherStationRadiusMeters must be more than 0 and at most 100000")
            .Validate(o => o.DetectorRadiusMeters is > 0 and <= 50_000, $"{CityControl.Rules.Hazards.HazardOptions.Section}:DetectorRadiusMeters must be more than 0 and at most 50000")
            .ValidateOnStart();
        services.AddOptions<CityControl.Rules.Hazards.PublicMessageOptions>()
            .Bind(configuration.GetSection(CityControl.Rules.Hazards.PublicMessageOptions.Section))
            .Validate(o => CityControl.Rules.Hazards.PublicMessages.Languages.Contains(o.Language), $"{CityControl.Rules.Hazards.PublicMessageOptions.Section}:Language must be en or ko")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Signature) && o.Signature.Length <= 100, $"{CityControl.Rules.Hazards.PublicMessageOptions.Section}:Signature must be 1 to 100 characters")
            .ValidateOnStart();
        return services;
    }
}
