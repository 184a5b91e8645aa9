using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Rules.Devices;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Traffic;
using CityControl.Traffic;
using System.Collections.Immutable;

namespace CityControl.Grains.Devices;

public sealed class TrafficSignalGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<TrafficSignalGrain> logger) : DeviceGrain(state, clock, options, logger), ITrafficSignalGrain
{
    protected override DeviceKind Kind => DeviceKind.TrafficSignal;

    /// <summary>How often requests that ran out are looked for while any is live.</summary>
    private static readonly TimeSpan ExpiryCheck = TimeSpan.FromSeconds(5);

    private IGrainTimer? _expiry;

    public async Task<PriorityAnswer> RequestPriority(PriorityRequest request)
    {
        if (request.InboundApproach is not ("NB" or "SB" or "EB" or "WB"))
        {
            throw new DeviceRuleException("inboundApproach", "must be NB, SB, EB or WB");
        }

        if (request.ImportanceLevel is < SignalPriority.MinImportance or > SignalPriority.MaxImportance)
        {
            throw new DeviceRuleException("importanceLevel", "must be 1 to 14 (J2735 RequestImportanceLevel)");
        }

        var refusal = CommandRefusal() ?? (S.Live.SignalMode is SignalMode.Fault or SignalMode.Flash
            ? $"the controller is in {S.Live.SignalMode!.Value.ToString().ToLowerInvariant()} mode and grants no priority"
            : null);
        if (refusal is not null)
        {
            return new PriorityAnswer(Id, request.RequestId, request.VehicleId, request.InboundApproach, PriorityStatus.Rejected, refusal, Now);
        }

        var requests = (S.Live.Priority?.Requests ?? []).RemoveAll(r => r.RequestId == request.RequestId).Add(request);
        var answers = await Decide(requests, $"request {request.RequestId} of {request.VehicleId}", notifyExcept: request.RequestId);
        EnsureExpiryCheck();
        return answers.Single(a => a.RequestId == request.RequestId);
    }

    public async Task<PriorityAnswer> ClearPriority(string requestId, string reason)
    {
        var requests = S.Live.Priority?.Requests ?? [];
        if (requests.FirstOrDefault(r => r.RequestId == requestId) is not { } cleared)
        {
            return new PriorityAnswer(Id, requestId, "", "", PriorityStatus.Cleared, "no such request (already cleared)", Now);
        }

        await Decide(requests.Remove(cleared), $"request {requestId} of {cleared.VehicleId} cleared: {reason}", notifyExcept: requestId);
        return new PriorityAnswer(Id, requestId, cleared.VehicleId, cleared.InboundApproach, PriorityStatus.Cleared, reason, Now);
    }

    /// <summary>
    /// Re-decides the junction for the live requests, records it as the signal's command (it goes down to the
    /// controller), and tells the routes of the other requests whose status it changed.
    /// </summary>
    private async Task<List<PriorityAnswer>> Decide(ImmutableArray<PriorityRequest> requests, string why, string notifyExcept)
    {
        var before = S.Live.Priority;
        var decided = SignalPriority.Decide(requests);
        var granted = requests.Where(r => decided[r.RequestId].Status == PriorityStatus.Granted).Select(r => r.RequestId).ToImmutableArray();
        var answers = requests.Select(r => new PriorityAnswer(Id, r.RequestId, r.VehicleId, r.InboundApproach, decided[r.RequestId].Status,
            SignalPriority.Describe(r, decided[r.RequestId].Status, decided[r.RequestId].Behind), Now)).ToList();
        var next = requests.IsEmpty ? null : new PriorityState(requests, granted);
        var grantedNow = string.Join(", ", requests.Where(r => granted.Contains(r.RequestId)).Select(r => $"{r.InboundApproach} for {r.VehicleId}"));
        await IssueCommand(S.Live with { Priority = next }, next is null ? Phrases.Say("command.priorityOff", why) : Phrases.Say("command.priority", why, grantedNow));
        foreach (var answer in answers.Where(a => a.RequestId != notifyExcept))
        {
            var was = before?.Granted.Contains(answer.RequestId) == true ? PriorityStatus.Granted
                : before?.Requests.Any(r => r.RequestId == answer.RequestId) == true ? PriorityStatus.Queued : (PriorityStatus?)null;
            if (was != answer.Status)
            {
                var request = requests.First(r => r.RequestId == answer.RequestId);
                await GrainFactory.GetGrain<IEmergencyRouteGrain>(EmergencyRoutes.KeyOf(request.IncidentId, request.VehicleId)).OnAnswer(answer);
            }
        }

        return answers;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        if (S.Live.Priority is { Requests.IsEmpty: false })
        {
            EnsureExpiryCheck();
        }
    }

    private void EnsureExpiryCheck() =>
        _expiry ??= this.RegisterGrainTimer(static (grain, _) => grain.ClearExpired(), this, new GrainTimerCreationOptions(ExpiryCheck, ExpiryCheck));

    /// <summary>Requests whose vehicle should long have passed are cleared (the route is told), so a junction never stays held.</summary>
    private async Task ClearExpired()
    {
        var requests = S.Live.Priority?.Requests ?? [];
        foreach (var request in requests.Where(r => SignalPriority.Expired(r, Now)).ToList())
        {
            var answer = await ClearPriority(request.RequestId, "its time ran out (arrival and duration past, not cleared)");
            await GrainFactory.GetGrain<IEmergencyRouteGrain>(EmergencyRoutes.KeyOf(request.IncidentId, request.VehicleId)).OnAnswer(answer);
        }

        if ((S.Live.Priority?.Requests ?? []).IsEmpty)
        {
            _expiry?.Dispose();
            _expiry = null;
        }
    }

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
        await IssueCommand(S.Live with { SignalPlan = next }, Phrases.Say("command.plan", command.Plan.ToString(), command.IncidentId, command.Reason));
        return new SignalPlanAnswer(Id, command.Plan, true, held is { } replaced && replaced.IncidentId != command.IncidentId
            ? $"on {command.Plan} (replacing {replaced.Plan} of {replaced.IncidentId})"
            : $"on {command.Plan}", Now);
    }
}
