using System.Text.RegularExpressions;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Devices;

namespace CityControl.Rules.Incidents;

/// <summary>What a call taker writes down: the kind of emergency, where, who called, what they said.</summary>
public sealed record CallReport(
    IncidentType Type,
    Priority? Priority,
    GeoPoint? Location,
    string? District,
    string? Zone,
    string? CallerName,
    string? CallerPhone,
    string? Description,
    string? Chemical = null,
    SpillSize? Spill = null);

/// <summary>
/// An incident opened from a telephone call (112, 119, a citizen or a patrol): checked like any input, then opened as
/// an incident that is routed, prioritised and handled like one a device raised.
/// </summary>
public static partial class CallIntake
{
    public const int MaxDescription = 2000;
    public const int MaxName = 100;
    public const int MaxPlace = 100;

    /// <summary>Incident types a call can open: an external warning comes as CAP, an equipment fault from the device.</summary>
    public static bool CanOpen(IncidentType type) => type is not (IncidentType.ExternalWarning or IncidentType.EquipmentFault or IncidentType.CameraTampering);

    /// <summary>How urgent a called-in incident is unless the call taker says otherwise: life and spreading danger first.</summary>
    public static Priority PriorityOf(IncidentType type) => type switch
    {
        IncidentType.Fire or IncidentType.ChemicalLeak => Priority.P1,
        IncidentType.RoadAccident or IncidentType.Flood or IncidentType.Intrusion or IncidentType.Crowding => Priority.P2,
        _ => Priority.P3,
    };

    public static List<RuleViolation> Check(CallReport call)
    {
        var errors = new List<RuleViolation>();
        if (!CanOpen(call.Type))
        {
            errors.Add(new("type", $"a call cannot open a {call.Type} incident (external warnings come as CAP, equipment faults from the device)"));
        }

        DeviceRules.Location(errors, call.Location);
        Text(errors, "district", call.District, MaxPlace, required: true);
        Text(errors, "zone", call.Zone, MaxPlace, required: false);
        Text(errors, "caller.name", call.CallerName, MaxName, required: false);
        Text(errors, "description", call.Description, MaxDescription, required: true);
        if (call.Chemical is { } chemical)
        {
            if (call.Type != IncidentType.ChemicalLeak)
            {
                errors.Add(new("chemical", "is for a chemicalLeak call only"));
            }
            else if (Hazards.ErgTable.Find(chemical.Trim()) is null)
            {
                errors.Add(new("chemical", $"must be a toxic gas of {Hazards.ErgTable.Edition}: one of {string.Join(", ", Hazards.ErgTable.All.Select(e => e.Gas))}"));
            }
        }

        if (call.Spill is not null && call.Type != IncidentType.ChemicalLeak)
        {
            errors.Add(new("spill", "is for a chemicalLeak call only"));
        }

        if (!string.IsNullOrWhiteSpace(call.CallerPhone) && !PhonePattern().IsMatch(call.CallerPhone))
        {
            errors.Add(new("caller.phone", "must be a telephone number: digits, spaces, '+', '-', '(' and ')', 3 to 20 characters"));
        }

        return errors;
    }

    /// <summary>The incident a checked call opens (its title by type and place, the caller on the description).</summary>
    public static IncidentOpening OpeningOf(CallReport call, DateTimeOffset at, string takenBy)
    {
        var zone = string.IsNullOrWhiteSpace(call.Zone) ? "reported by call" : call.Zone.Trim();
        var caller = string.Join(", ", new[] { call.CallerName?.Trim(), call.CallerPhone?.Trim() }.Where(s => !string.IsNullOrEmpty(s)));
        var chemical = call.Chemical is { } named ? Hazards.ErgTable.Find(named.Trim()) : null;
        var reported = chemical is null ? "" : $" Reported: {chemical.Name} ({chemical.Gas}), {(call.Spill ?? SpillSize.Small).ToString().ToLowerInvariant()} spill.";
        return new IncidentOpening(
            call.Type,
            call.Priority ?? PriorityOf(call.Type),
            IncidentCatalog.TitleOf(call.Type, zone, call.District!.Trim()),
            $"Call{(caller.Length > 0 ? " from " + caller : "")} taken by {takenBy}: {call.Description!.Trim()}{reported}",
            call.District.Trim(),
            zone,
            new GeoPoint(Math.Round(call.Location!.Latitude, 6), Math.Round(call.Location.Longitude, 6)),
            at,
            takenBy,
            Chemical: chemical?.Gas,
            Spill: chemical is null ? null : call.Spill ?? SpillSize.Small);
    }

    private static void Text(List<RuleViolation> errors, string field, string? value, int max, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(new(field, "is required"));
            }

            return;
        }

        if (value.Length > max)
        {
            errors.Add(new(field, $"must be at most {max} characters"));
        }
        else if (value.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            errors.Add(new(field, "must not contain control characters"));
        }
    }

    [GeneratedRegex(@"^[0-9+\-() ]{3,20}$")]
    private static partial Regex PhonePattern();
}
