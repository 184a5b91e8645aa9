using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Devices;

public sealed class GasSensorGrain(
    [PersistentState(DeviceGrain.StateName, DeviceGrain.StorageName)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<GasSensorGrain> logger) : DeviceGrain(state, clock, options, logger), IGasSensorGrain
{
    protected override DeviceKind Kind => DeviceKind.GasSensor;
}
