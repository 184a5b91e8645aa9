using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Devices;

public sealed class CameraGrain(
    [PersistentState(DeviceGrain.StateName, DeviceGrain.StorageName)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<CameraGrain> logger) : DeviceGrain(state, clock, options, logger), ICameraGrain
{
    protected override DeviceKind Kind => DeviceKind.Camera;
}
