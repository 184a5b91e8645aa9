using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Rules.Devices;

/// <summary>Whether a field device can take a command from the control centre now, and what a signal plan command leaves it on.</summary>
public static class DeviceCommandRules
{
    /// <summary>Why the device cannot take a command now, or null when it can: it must be in service, have reported at least once, and be in contact.</summary>
    public static string? Refusal(LifecycleStatus status, Connectivity connectivity, DateTimeOffset? lastSeen) => (status, connectivity) switch
    {
        (LifecycleStatus.Decommissioned or LifecycleStatus.Maintenance, _) => $"not in service ({status})",
        _ when lastSeen is null => "never reported: its link to the field is not known to work, so a command could not be confirmed",
        (_, Connectivity.Offline) => $"offline: no contact since {lastSeen:O}",
        _ => null,
    };

    /// <summary>
    /// A signal plan command against the signal's state: refused (with the reason) when the controller cannot run a
    /// plan (in fault or flashing) or when another incident holds it on evacuation and the command is only a closure;
    /// a return to Normal is taken only from the incident that holds the plan. Null when taken.
    /// </summary>
    public static string? SignalPlanRefusal(SignalPlanCommand command, LiveState live)
    {
        var held = live.SignalPlan;
        if (command.Plan == SignalPlan.Normal)
        {
            return held is not null && held.IncidentId != command.IncidentId
                ? $"the {held.Plan} plan is held by incident {held.IncidentId}"
                : null;
        }

        if (live.SignalMode is SignalMode.Fault or SignalMode.Flash)
        {
            return $"the controller is in {live.SignalMode!.Value.ToString().ToLowerInvariant()} mode and runs no plan";
        }

        return held is { Plan: SignalPlan.Evacuation } && held.IncidentId != command.IncidentId && command.Plan == SignalPlan.Closure
            ? $"incident {held.IncidentId} holds it on evacuation, which a closure does not replace"
            : null;
    }
}
