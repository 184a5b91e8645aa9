using CityControl.Devices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CityControl.Hosting;

public static class GrainServiceCollectionExtensions
{
    /// <summary>The services the grains need, whatever the storage behind them.</summary>
    public static IServiceCollection AddCityControlGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(new CityClock(TimeProvider.System));
        services.AddOptions<DeviceGrainOptions>()
            .Bind(configuration.GetSection(DeviceGrainOptions.Section))
            .Validate(o => o.CheckpointInterval >= TimeSpan.FromSeconds(1), $"{DeviceGrainOptions.Section}:CheckpointInterval must be at least 00:00:01")
            .Validate(o => o.HistoryLength is >= 1 and <= 10_000, $"{DeviceGrainOptions.Section}:HistoryLength must be between 1 and 10000")
            .Validate(o => o.EventHistoryLength is >= 1 and <= 1_000, $"{DeviceGrainOptions.Section}:EventHistoryLength must be between 1 and 1000")
            .ValidateOnStart();
        return services;
    }
}
