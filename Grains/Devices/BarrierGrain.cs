using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

public sealed class BarrierGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<BarrierGrain> logger) : DeviceGrain(state, clock, options, logger), IBarrierGrain
{
    protected override DeviceKind Kind => DeviceKind.Barrier;

    public async Task<DeviceCommandAnswer> Command(BarrierPosition target, string incidentId, string reason)
    {
        if (target is not (BarrierPosition.Open or BarrierPosition.Closed))
        {
            throw new DeviceRuleException("target", "a barrier is commanded open or closed");
        }

        if (S.Live.BarrierCommand is { } held && held.Target == target && held.IncidentId == incidentId)
        {
            return new DeviceCommandAnswer(Id, true, held.DoneAt is { } done ? $"{target} since {done:O}" : $"{target} commanded, not yet reported", Now);
        }

        var refusal = CommandRefusal() ?? (S.Live.BarrierPosition == BarrierPosition.Fault ? "the barrier reports a fault" : null);
        if (refusal is not null)
        {
            return new DeviceCommandAnswer(Id, false, refusal, Now);
        }

        // No incident: a person commanded it from the console, and the reason says who.
        await IssueCommand(S.Live with { BarrierCommand = new BarrierCommandState(target, incidentId, Now, S.Live.BarrierPosition == target ? Now : null) },
            incidentId.Length == 0 ? $"{target.ToString().ToLowerInvariant()} {reason}" : $"{target.ToString().ToLowerInvariant()} for incident {incidentId}: {reason}");
        return new DeviceCommandAnswer(Id, true, $"{target.ToString().ToLowerInvariant()} commanded", Now);
    }
}
