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

    public async Task<DeviceCommandAnswer> Command(BarrierPosition target, string incidentId, string reason, Phrase? reasonSaid = null)
    {
        if (target is not (BarrierPosition.Open or BarrierPosition.Closed))
        {
            throw new DeviceRuleException("target", "a barrier is commanded open or closed");
        }

        if (S.Live.BarrierCommand is { } held && held.Target == target && held.IncidentId == incidentId)
        {
            var said = held.DoneAt is { } done
                ? Phrases.Say("command.barrierSince", Position(target, target.ToString()), Phrases.Time(done))
                : Phrases.Say("command.barrierNotYet", Position(target, target.ToString()));
            return new DeviceCommandAnswer(Id, true, Phrases.InEnglish(said), Now, said);
        }

        var refusal = CommandRefusal() ?? (S.Live.BarrierPosition == BarrierPosition.Fault ? "the barrier reports a fault" : null);
        if (refusal is not null)
        {
            return new DeviceCommandAnswer(Id, false, refusal, Now);
        }

        // No incident: a person commanded it from the console, and the reason says who.
        await IssueCommand(S.Live with { BarrierCommand = new BarrierCommandState(target, incidentId, Now, S.Live.BarrierPosition == target ? Now : null) },
            incidentId.Length == 0
                ? Phrases.Say("command.barrier", reasonSaid ?? Phrases.Say("text", reason), Position(target))
                : Phrases.Say("command.barrierFor", reasonSaid ?? Phrases.Say("text", reason), Position(target), incidentId));
        var commanded = Phrases.Say("command.barrierCommanded", Position(target));
        return new DeviceCommandAnswer(Id, true, Phrases.InEnglish(commanded), Now, commanded);
    }

    /// <summary>A position as a word the pages translate (its English in lower case unless given).</summary>
    private static PhraseArg Position(BarrierPosition position, string? english = null) =>
        Phrases.Word("barrier", position, english ?? position.ToString().ToLowerInvariant());
}
