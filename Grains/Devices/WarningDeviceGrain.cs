using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CityControl.Rules;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

public sealed class WarningDeviceGrain(
    [PersistentState(DeviceGrain.StateName, StorageNames.GrainState)] IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger<WarningDeviceGrain> logger) : DeviceGrain(state, clock, options, logger), IWarningDeviceGrain
{
    protected override DeviceKind Kind => DeviceKind.WarningDevice;

    public async Task<WarningCommandAnswer> Broadcast(WarningCommand command)
    {
        if (string.IsNullOrWhiteSpace(command.Message) || command.Message.Length > 1000)
        {
            throw new DeviceRuleException("message", "must be 1 to 1000 characters");
        }

        var current = S.Live.Warning;
        if (current is { Active: true } && current.IncidentId == command.IncidentId && current.Message == command.Message)
        {
            return new WarningCommandAnswer(Id, true, current.Sequence, current.ReportedAt is { } at ? $"playing since {at:O}" : "sent, not yet reported playing", Now);
        }

        if (CommandRefusal() is { } refusal)
        {
            return new WarningCommandAnswer(Id, false, 0, refusal, Now);
        }

        var sequence = (current?.Sequence ?? 0) + 1;
        await IssueCommand(S.Live with { Warning = new WarningState(sequence, command.Message, command.IncidentId, Now) },
            Phrases.Say("command.message", sequence.ToString(CultureInfo.InvariantCulture), command.IncidentId, command.Message));
        return new WarningCommandAnswer(Id, true, sequence, "sent", Now);
    }

    public async Task<WarningCommandAnswer> Silence(string incidentId, DateTimeOffset at)
    {
        if (S.Live.Warning is not { Active: true } current || current.IncidentId != incidentId)
        {
            return new WarningCommandAnswer(Id, true, 0, "not playing this incident's message", Now);
        }

        await IssueCommand(S.Live with { Warning = current with { Active = false, ReportedAt = null } }, Phrases.Say("command.messageEnded", current.Sequence.ToString(CultureInfo.InvariantCulture), incidentId));
        return new WarningCommandAnswer(Id, true, current.Sequence, "silenced", Now);
    }
}
