using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Devices;

public sealed class FloodSensorGrain(
    [PersistentState(DeviceGrain.StateName, DeviceGrain.StorageName)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<FloodSensorGrain> logger) : DeviceGrain(state, clock, options, logger), IFloodSensorGrain
{
    protected override DeviceKind Kind => DeviceKind.FloodSensor;
}
