using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Rules.Devices;
using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Grains.Devices;

public sealed class TrafficSignalGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<TrafficSignalGrain> logger) : DeviceGrain(state, clock, options, logger), ITrafficSignalGrain
{
    protected override DeviceKind Kind => DeviceKind.TrafficSignal;

    public async Task<SignalPlanAnswer> ApplyPlan(SignalPlanCommand command)
    {
        var held = S.Live.SignalPlan;
        if (command.Plan == SignalPlan.Normal && (held is null || held.IncidentId != command.IncidentId))
        {
            // Nothing of this incident's to end: the answer is the same as for a release already done.
            return new SignalPlanAnswer(Id, SignalPlan.Normal, held is null, held is null ? "already on its own plan" : $"the {held.Plan} plan is held by incident {held.IncidentId}", Now);
        }

        if (held is not null && held.Plan == command.Plan && held.IncidentId == command.IncidentId)
        {
            return new SignalPlanAnswer(Id, command.Plan, true, $"already on {command.Plan} for {command.IncidentId} since {held.Since:O}", Now);
        }

        var refusal = (command.Plan == SignalPlan.Normal ? null : CommandRefusal()) ?? DeviceCommandRules.SignalPlanRefusal(command, S.Live);
        if (refusal is not null)
        {
            return new SignalPlanAnswer(Id, command.Plan, false, refusal, Now);
        }

        var next = command.Plan == SignalPlan.Normal ? null : new SignalPlanState(command.Plan, command.IncidentId, Now);
        await IssueCommand(S.Live with { SignalPlan = next }, $"plan {command.Plan} for incident {command.IncidentId}: {command.Reason}");
        return new SignalPlanAnswer(Id, command.Plan, true, held is { } replaced && replaced.IncidentId != command.IncidentId
            ? $"on {command.Plan} (replacing {replaced.Plan} of {replaced.IncidentId})"
            : $"on {command.Plan}", Now);
    }
}
