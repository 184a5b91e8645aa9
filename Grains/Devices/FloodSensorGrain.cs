using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Rules.Devices;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

public sealed class FloodSensorGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<FloodSensorGrain> logger) : DeviceGrain(state, clock, options, logger), IFloodSensorGrain
{
    protected override DeviceKind Kind => DeviceKind.FloodSensor;

    /// <summary>The river's trend from the last quarter hour of levels: how fast it rises and when it reaches danger at that rate.</summary>
    protected override LiveState Derive(LiveState live, IReadOnlyList<Reading> added)
    {
        var newest = S.Latest.TryGetValue(MetricCatalog.WaterLevel, out var latest) ? latest.Timestamp : Now;
        S.RecentLevels = FloodPrediction.Keep(S.RecentLevels.Concat(added), newest);
        var (rise, minutes) = FloodPrediction.Predict(S.RecentLevels, S.Definition!.FloodSensor!, newest);
        return live with { FloodRisePerHour = rise, MinutesToDanger = minutes };
    }
}
