using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Devices;

public sealed class TrafficSignalGrain(
    [PersistentState(DeviceGrain.StateName, DeviceGrain.StorageName)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<TrafficSignalGrain> logger) : DeviceGrain(state, clock, options, logger), ITrafficSignalGrain
{
    protected override DeviceKind Kind => DeviceKind.TrafficSignal;
}
