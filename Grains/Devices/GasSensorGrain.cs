using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

public sealed class GasSensorGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<GasSensorGrain> logger) : DeviceGrain(state, clock, options, logger), IGasSensorGrain
{
    protected override DeviceKind Kind => DeviceKind.GasSensor;
}
