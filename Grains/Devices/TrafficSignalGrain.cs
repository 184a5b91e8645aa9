using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

public sealed class TrafficSignalGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<TrafficSignalGrain> logger) : DeviceGrain(state, clock, options, logger), ITrafficSignalGrain
{
    protected override DeviceKind Kind => DeviceKind.TrafficSignal;
}
