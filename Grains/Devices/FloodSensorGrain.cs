using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

public sealed class FloodSensorGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<FloodSensorGrain> logger) : DeviceGrain(state, clock, options, logger), IFloodSensorGrain
{
    protected override DeviceKind Kind => DeviceKind.FloodSensor;
}
