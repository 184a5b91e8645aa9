using System.Text.Json;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Devices;
using CityControl.Rules.Hazards;
using CityControl.Rules.Incidents;
using CityControl.Security;
using CityControl.Web.Security;

namespace CityControl.Web.Pages;

/// <summary>
/// Facts the pages need and the server owns: statuses and which of them end an incident, device kinds and lifecycle
/// transitions, roles. Scripts read them here instead of repeating them.
/// </summary>
public static class FactsEndpoints
{
    public static IEndpointRouteBuilder MapFactsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/facts", () => Results.Ok(Facts)).RequireAuthorization(Policies.Staff).WithTags("Pages")
            .Produces<System.Text.Json.Nodes.JsonObject>()
            .WithSummary("Statuses, kinds, transitions and roles as the server defines them, for the control-room pages.");
        return app;
    }

    private static readonly object Facts = new
    {
        incidentStatuses = Names(Enum.GetValues<IncidentStatus>()),
        terminalStatuses = Names(IncidentLifecycle.Terminal.Order()),
        incidentTransitions = Enum.GetValues<IncidentStatus>().ToDictionary(
            Name,
            from => Names(Enum.GetValues<IncidentStatus>().Where(to => to != from && IncidentLifecycle.CheckTransition(from, to) is null))),
        priorities = Names(Enum.GetValues<Priority>()),
        incidentTypes = Names(Enum.GetValues<IncidentType>()),
        callIncidentTypes = Names(Enum.GetValues<IncidentType>().Where(CallIntake.CanOpen)),
        callChemicals = ErgTable.All.Select(e => new { gas = e.Gas, name = e.Name, un = e.UnNumber }).ToArray(),
        spillSizes = Names(Enum.GetValues<SpillSize>()),
        agencies = Names(Enum.GetValues<Agency>()),
        deviceKinds = Names(Enum.GetValues<DeviceKind>()),
        lifecycleStatuses = Names(Enum.GetValues<LifecycleStatus>()),
        lifecycleTransitions = Enum.GetValues<LifecycleStatus>().ToDictionary(
            Name,
            from => Names(Enum.GetValues<LifecycleStatus>().Where(to => to != from && DeviceRules.CheckTransition(from, to) is null))),
        roles = Roles.All,
    };

    private static string Name<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    private static string[] Names<T>(IEnumerable<T> values)
        where T : struct, Enum => [.. values.Select(Name)];
}
