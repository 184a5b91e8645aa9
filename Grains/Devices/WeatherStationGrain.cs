using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

public sealed class WeatherStationGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<WeatherStationGrain> logger) : DeviceGrain(state, clock, options, logger), IWeatherStationGrain
{
    protected override DeviceKind Kind => DeviceKind.WeatherStation;
}
