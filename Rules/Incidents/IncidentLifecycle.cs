using System.Collections.Immutable;
using CityControl.Security;
using CityControl.Incidents;

namespace CityControl.Rules.Incidents;

/// <summary>Which status changes an incident may make, and who may make them.</summary>
public static class IncidentLifecycle
{
    public static readonly ImmutableHashSet<IncidentStatus> Terminal = [IncidentStatus.Closed, IncidentStatus.Cancelled, IncidentStatus.FalseAlarm];

    /// <summary>Whether nothing is left to do: resolved (waiting to be closed), closed, cancelled or a false alarm.</summary>
    public static bool HasEnded(IncidentStatus status) => status == IncidentStatus.Resolved || Terminal.Contains(status);

    /// <summary>A status as a sentence says it: "resolved", "false alarm", "on scene".</summary>
    public static string Words(IncidentStatus status) =>
        System.Text.RegularExpressions.Regex.Replace(status.ToString(), "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();

    /// <summary>Whether a search text is in the incident's title, id, district or zone (case and width insensitive; every word must be).</summary>
    public static bool Mentions(IncidentSummary incident, string text)
    {
        var haystack = string.Join(' ', incident.Title, incident.Id, incident.District, incident.Zone);
        return text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(word => System.Globalization.CultureInfo.InvariantCulture.CompareInfo.IndexOf(haystack, word,
                System.Globalization.CompareOptions.IgnoreCase | System.Globalization.CompareOptions.IgnoreWidth) >= 0);
    }

    /// <summary>The status an action moves to, or null for actions that do not change it.</summary>
    public static IncidentStatus? TargetOf(IncidentActionKind action) => action switch
    {
        IncidentActionKind.Acknowledge => IncidentStatus.Acknowledged,
        IncidentActionKind.Dispatch => IncidentStatus.Dispatched,
        IncidentActionKind.EnRoute => IncidentStatus.EnRoute,
        IncidentActionKind.OnScene => IncidentStatus.OnScene,
        IncidentActionKind.Resolve => IncidentStatus.Resolved,
        IncidentActionKind.Close => IncidentStatus.Closed,
        IncidentActionKind.Cancel => IncidentStatus.Cancelled,
        IncidentActionKind.FalseAlarm => IncidentStatus.FalseAlarm,
        _ => null,
    };

    /// <summary>Null when the move is allowed, otherwise why not.</summary>
    public static string? CheckTransition(IncidentStatus from, IncidentStatus to)
    {
        if (Terminal.Contains(from))
        {
            return $"the incident is {from} and takes no further status changes";
        }

        var allowed = from switch
        {
            IncidentStatus.New => to is IncidentStatus.Acknowledged or IncidentStatus.Dispatched or IncidentStatus.Cancelled or IncidentStatus.FalseAlarm,
            IncidentStatus.Acknowledged => to is IncidentStatus.Dispatched or IncidentStatus.Resolved or IncidentStatus.Cancelled or IncidentStatus.FalseAlarm,
            IncidentStatus.Dispatched => to is IncidentStatus.EnRoute or IncidentStatus.OnScene or IncidentStatus.Cancelled or IncidentStatus.FalseAlarm,
            IncidentStatus.EnRoute => to is IncidentStatus.OnScene or IncidentStatus.Cancelled,
            IncidentStatus.OnScene => to is IncidentStatus.Resolved or IncidentStatus.FalseAlarm,
            IncidentStatus.Resolved => to is IncidentStatus.Closed or IncidentStatus.OnScene,
            _ => false,
        };
        return allowed ? null : $"an incident cannot go from {from} to {to}";
    }

    /// <summary>
    /// Operators act on every incident; police and fire dispatchers act only on incidents routed to their agency, and
    /// only on the dispatch side of the lifecycle; closing, cancelling and shelving alarms are the operator's.
    /// </summary>
    public static string? CheckRole(Actor actor, IncidentActionKind action, ImmutableArray<Agency> agencies)
    {
        if (actor.Roles.Contains(Roles.Operator))
        {
            return null;
        }

        var agency = actor.Roles.Contains(Roles.PoliceDispatcher) ? Agency.Police
            : actor.Roles.Contains(Roles.FireDispatcher) ? Agency.Fire
            : (Agency?)null;
        if (agency is null)
        {
            return "only operators and dispatchers act on incidents";
        }

        if (!agencies.Contains(agency.Value))
        {
            return $"this incident is not routed to {agency} (it is for {string.Join(", ", agencies)})";
        }

        return action is IncidentActionKind.Close or IncidentActionKind.Cancel or IncidentActionKind.ShelveAlarm
            ? $"{action} is for control-room operators"
            : null;
    }
}
