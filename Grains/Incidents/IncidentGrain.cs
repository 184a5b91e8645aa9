using Microsoft.Extensions.DependencyInjection;
using CityControl.Live;
using System.Collections.Immutable;
using CityControl.Devices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using CityControl.Rules.Incidents;
using CityControl.Rules;
using CityControl.Incidents;
using CityControl.Rules.Video;
using CityControl.Video;

using CityControl.Grains.Persistence;

namespace CityControl.Grains.Incidents;

/// <summary>
/// One incident. Every person's action is checked against role and lifecycle, appended to the timeline and written
/// before it returns; alarm links that change what people see (a new alarm, a confirmation, a priority) are written at
/// once, repeated triggers at the next checkpoint.
/// </summary>
public sealed partial class IncidentGrain(
    [PersistentState("incident", StorageNames.GrainState)] IPersistentState<IncidentState> state,
    CityClock clock,
    IOptions<CorrelationOptions> options,
    ILogger<IncidentGrain> logger) : Grain, IIncidentGrain, IRemindable
{
    /// <summary>The reminder that raises a waiting incident's priority; it exists only while the incident is new and below P1.</summary>
    public const string EscalationReminder = "escalation";

    /// <summary>Orleans' shortest reminder period; a shorter escalation step (tests, drills) still ticks first after one step.</summary>
    private static readonly TimeSpan MinimumReminderPeriod = TimeSpan.FromMinutes(1);

    /// <summary>
    /// In a storm (a network outage takes a whole district offline) one incident may gather thousands of alarms: past
    /// this many, a new alarm is no longer a change written at once or a timeline line of its own, only a count.
    /// </summary>
    public const int AlarmsListedIndividually = 20;

    /// <summary>Evidence items kept per incident: a camera that keeps flagging the same scene adds clips until this many.</summary>
    public const int MediaKept = 40;

    private static readonly TimeSpan CheckpointDelay = TimeSpan.FromSeconds(5);
    private StateCheckpoint? _checkpoints;

    /// <summary>A shelving the correlator must learn of before the action returns.</summary>

    /// <summary>Who opens the incidents that alarms open.</summary>
    public const string CorrelatorActor = "correlator";

    private IncidentState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    public async Task<IncidentSummary> Open(IncidentOpening opening)
    {
        if (S.Opening is not null)
        {
            return Summary();
        }

        S.Opening = opening;
        S.Status = IncidentStatus.New;
        S.Priority = opening.Priority;
        S.Agencies = [.. IncidentCatalog.AgenciesOf(opening.Type)];
        S.Procedure = [.. IncidentCatalog.ProcedureOf(opening.Type).Select((text, i) => new SopStep(i + 1, text, null, null))];
        S.UpdatedAt = opening.At;
        if (opening.Source is { } source)
        {
            S.CapMessages.Add(source);
        }

        Append(opening.OpenedBy, "opened", null, IncidentStatus.New, IncidentCatalog.Opened(opening, S.Agencies), opening.At);
        await SaveAndPublish("opened");
        if (opening.OpenedBy != CorrelatorActor && opening.Source is null)
        {
            // Opened by a person (a call): the district's later alarms of the same emergency join it. The incident is
            // open whatever becomes of this: without it, those alarms open an incident of their own.
            try
            {
                await GrainFactory.GetGrain<IIncidentCorrelatorGrain>(opening.District).Adopt(new OpenIncident(Id, opening.Type, opening.Zone, opening.Location, opening.At));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogAdoptFailed(ex, Id, opening.District);
            }
        }

        await KeepEscalationReminder();
        if (S.Agencies.Any(VideoAccessRules.GrantedAgencies.Contains))
        {
            // One way: the grants come back through RecordVideoGrants.
            await GrainFactory.GetGrain<IIncidentVideoAccessGrain>(0).GrantFor(Id, opening.Title, opening.Location, [.. S.Agencies], []);
        }

        if (opening is { Type: IncidentType.ChemicalLeak, Chemical: not null })
        {
            // A leak called in with its chemical: its hazard zone is drawn now, from the ERG distances and the wind,
            // without waiting for detectors (whose readings refine it when they confirm).
            await StartHazardResponse();
        }

        if (opening.Type == IncidentType.Flood)
        {
            // One way: the response reports back through RecordAreaResponse.
            await GrainFactory.GetGrain<IFloodResponseGrain>(Id).Start(opening.District, opening.Zone);
        }

        ServiceProvider.GetRequiredService<Hosting.GrainMetrics>().IncidentOpened(opening.Type);
        LogOpened(Id, opening.Type, opening.District);
        return Summary();
    }

    public async Task<IncidentSummary> LinkAlarm(AlarmSignal alarm)
    {
        var opening = S.Opening ?? throw new IncidentRuleException(IncidentRuleKind.NotFound, $"Incident '{Id}' does not exist.");
        if (IncidentLifecycle.Terminal.Contains(S.Status))
        {
            // Ended: the correlator sees the status and routes the alarm to a new incident.
            return Summary();
        }

        var t = alarm.Transition;
        var key = AlarmKey.Of(alarm.DeviceId, t.Condition);
        var meaningful = false;
        var wasConfirmed = IsConfirmed();
        if (!S.Alarms.TryGetValue(key, out var linked))
        {
            if (!t.Active)
            {
                return Summary();
            }

            S.Alarms[key] = new LinkedAlarm(alarm.DeviceId, t.Condition, AlarmState.Unacknowledged, true, 1, t.At, t.At, t.Message, t.Value, LastText: t.Text);
            if (S.DeviceLocations.TryAdd(alarm.DeviceId, alarm.Location))
            {
                S.Devices.Add(alarm.DeviceId);
                if (alarm.Kind == DeviceKind.Camera && S.Agencies.Any(VideoAccessRules.GrantedAgencies.Contains) && !S.VideoGrants.Any(g => g.CameraId == alarm.DeviceId))
                {
                    // The camera that saw it is the incident's first view, however many cameras stand nearer.
                    await GrainFactory.GetGrain<IIncidentVideoAccessGrain>(0).GrantFor(Id, opening.Title, opening.Location, [.. S.Agencies], [alarm.DeviceId]);
                }
            }

            if (S.Alarms.Count <= AlarmsListedIndividually)
            {
                Append("system", "alarm linked", null, null, $"{alarm.DeviceId}: {t.Message}", t.At, IncidentCatalog.AlarmOn(alarm.DeviceId, t.Text));
                meaningful = true;
            }
            else if (S.Alarms.Count % 100 == 0)
            {
                Append("system", "alarms linked", null, null, Phrases.Say("incident.alarmsLinked", Count(S.Alarms.Count), Count(S.Devices.Count)), t.At);
            }
        }
        else
        {
            S.Alarms[key] = linked with
            {
                Active = t.Active,
                Triggers = linked.Triggers + (t.Active ? 1 : 0),
                LastAt = t.At > linked.LastAt ? t.At : linked.LastAt,
                LastMessage = t.Message,
                LastText = t.Text,
                LastValue = t.Value,
                // The correlator holds back a shelved alarm's triggers: one that arrives means its shelf time is over.
                State = linked.State == AlarmState.Shelved && t.Active ? AlarmState.Unacknowledged : AlarmLifecycle.Next(linked.State, t.Active),
            };
            if (S.Shelves is [.., var last] && last.Until > t.At && !ShelvedNow())
            {
                // The shelf ended early (an alarm is back): the wait counts again from now.
                S.Shelves[^1] = last with { Until = t.At > last.From ? t.At : last.From };
            }
        }

        if (t is { Active: true, Evidence: { IsDefaultOrEmpty: false } evidence } && S.Media.Count < MediaKept)
        {
            foreach (var item in evidence.Take(MediaKept - S.Media.Count))
            {
                S.Media.Add(new IncidentMedia(alarm.DeviceId, t.Condition, t.At, item));
                Append("system", "evidence stored", null, null, $"{alarm.DeviceId}: {item.Kind} sha256 {item.Sha256}", t.At);
            }

            meaningful = true;
        }

        var priority = (Priority)Math.Min((int)S.Priority, (int)IncidentCatalog.PriorityOf(t.Condition));
        if (opening.Type == IncidentType.ChemicalLeak && !wasConfirmed && IncidentCatalog.IsConfirmedLeak(S.Alarms.Values, options.Value.SensorsToConfirmLeak))
        {
            priority = Priority.P1;
            Append("system", "leak confirmed", null, null, Phrases.Say("incident.leakConfirmed", Count(S.Alarms.Values.Select(a => a.DeviceId).Distinct().Count())), t.At);
            meaningful = true;
        }

        if (priority != S.Priority)
        {
            Append("system", "priority raised", null, null,
                Phrases.Say("incident.raisedBy", S.Priority.ToString(), priority.ToString(), Phrases.Word("condition", t.Condition)), t.At);
            S.Priority = priority;
            meaningful = true;
        }

        if (meaningful && S.Priority == Priority.P1)
        {
            await KeepEscalationReminder();
        }

        S.UpdatedAt = t.At > S.UpdatedAt ? t.At : S.UpdatedAt;
        if (meaningful)
        {
            await SaveAndPublish("alarm");
        }

        if (!wasConfirmed && IsConfirmed() && opening.Type == IncidentType.ChemicalLeak)
        {
            await StartHazardResponse();
        }
        else
        {
            // A repeat or a return to normal: screens and the list learn it now, storage at the checkpoint.
            ScheduleCheckpoint();
            await Publish(t.Active ? "alarm repeated" : "alarm returned to normal");
        }

        return Summary();
    }

    public Task<IncidentDetail> Act(IncidentAction action, Actor actor) =>
        action.Kind == IncidentActionKind.ShelveAlarm
            ? throw new IncidentRuleException(IncidentRuleKind.Invalid, "action: an alarm is shelved through its district's correlator, which holds back its triggers")
            : Perform(action, actor);

    public Task<IncidentDetail> ShelveAlarm(IncidentAction action, Actor actor) =>
        action.Kind != IncidentActionKind.ShelveAlarm
            ? throw new IncidentRuleException(IncidentRuleKind.Invalid, $"action: {action.Kind} is not a shelving")
            : Perform(action, actor);

    private async Task<IncidentDetail> Perform(IncidentAction action, Actor actor)
    {
        if (S.Opening is null)
        {
            throw new IncidentRuleException(IncidentRuleKind.NotFound, $"Incident '{Id}' does not exist.");
        }

        if (IncidentLifecycle.CheckRole(actor, action.Kind, S.Agencies.ToImmutableArray()) is { } forbidden)
        {
            throw new IncidentRuleException(IncidentRuleKind.Forbidden, forbidden);
        }

        var from = S.Status;
        var to = IncidentLifecycle.TargetOf(action.Kind);
        if (to is { } target && IncidentLifecycle.CheckTransition(from, target) is { } illegal)
        {
            throw new IncidentRuleException(IncidentRuleKind.IllegalTransition, illegal);
        }

        if (to is null && IncidentLifecycle.Terminal.Contains(from) && action.Kind is not (IncidentActionKind.AddNote or IncidentActionKind.AddEvidence))
        {
            throw new IncidentRuleException(IncidentRuleKind.IllegalTransition, $"the incident is {from}; only notes may be added");
        }

        var now = clock.UtcNow;
        var detail = Apply(action, now, actor);
        if (to is { } next)
        {
            // Escalation earned while waiting stays with the incident once someone takes it.
            S.Priority = EffectivePriority();
            S.EscalationSteps = StepsWaited();
            S.Status = next;
        }

        S.UpdatedAt = now;
        Append(actor.Name, Verb(action.Kind), to is null ? null : from, to, detail, now);
        ImmutableArray<IncidentVideoGrant> endedGrants = [];
        if (to is { } end && IncidentLifecycle.Terminal.Contains(end) && S.VideoGrants.Count > 0)
        {
            endedGrants = [.. S.VideoGrants];
            S.VideoGrants.Clear();
            Append("system", IncidentGrains.VideoAccessEnded, null, null,
                Phrases.Say("incident.grantsEnded", Count(endedGrants.Length), IncidentCatalog.Agencies(endedGrants.Select(g => g.Agency).Distinct())), now);
        }

        await SaveAndPublish(Verb(action.Kind));
        if (to is not null)
        {
            // Only leaving New ends the reminder's purpose: other actions do not read the reminder table.
            await KeepEscalationReminder();
        }

        if (endedGrants.Length > 0)
        {
            await GrainFactory.GetGrain<IIncidentVideoAccessGrain>(0).RevokeFor(Id, endedGrants, $"system: incident {Id} {S.Status}");
        }

        // The unit the incident names follows its lifecycle on its agency's roster (if the roster lists it).
        if (S.AssignedUnit is { } unit && UnitStatusOf(S.Status) is { } unitStatus && to is not null)
        {
            foreach (var agency in S.Agencies)
            {
                await GrainFactory.GetGrain<IUnitRosterGrain>(UnitRosters.KeyOf(agency)).Track(unit, unitStatus, Id, actor.Name);
            }
        }

        // A resolved leak is over (the source is made safe): signals and warnings need not wait for the paperwork.
        if (to is { } ended && IncidentLifecycle.HasEnded(ended) && S.HazardStarted)
        {
            await GrainFactory.GetGrain<IHazardResponseGrain>(Id).Stop($"incident {IncidentLifecycle.Words(S.Status)} by {actor.Name}");
        }

        // So is a flood: the car park it closed opens again (its response knows whether it closed anything).
        if (to is { } over && IncidentLifecycle.HasEnded(over) && S.Opening is { Type: IncidentType.Flood })
        {
            await GrainFactory.GetGrain<IFloodResponseGrain>(Id).Stop($"incident {IncidentLifecycle.Words(S.Status)} by {actor.Name}");
        }

        return Detail();
    }

    public Task<IncidentDetail?> GetDetail() => Task.FromResult(S.Opening is null ? null : Detail());

    public async Task RecordCapMessage(CapMessageRecord message)
    {
        if (S.CapMessages.Any(m => m.Identifier == message.Identifier && m.Sender == message.Sender))
        {
            return;
        }

        S.CapMessages.Add(message);
        Append("system", IncidentGrains.CapMessageAction, null, null, Phrases.Say("incident.capSent", message.Identifier, Phrases.Time(message.Sent)), message.Sent);
        await Checkpoints.WriteNow();
    }

    public async Task RecordHazard(HazardZone? zone, ImmutableArray<string>? cameras, ImmutableArray<ResponseStep> steps)
    {
        if (S.Opening is null)
        {
            return;
        }

        S.HazardStarted = true;
        if (zone is not null && (S.Hazard is null || zone.Version >= S.Hazard.Version))
        {
            S.Hazard = zone;
        }

        if (cameras is { } attached)
        {
            S.Cameras = [.. attached];
        }

        AppendSteps(steps);
        await SaveAndPublish(zone is null ? "hazard response" : "hazard zone");
    }

    public async Task RecordAreaResponse(ImmutableArray<GeoPoint>? area, ImmutableArray<string>? cameras, ImmutableArray<ResponseStep> steps)
    {
        if (S.Opening is null)
        {
            return;
        }

        if (area is { IsDefaultOrEmpty: false } outline)
        {
            S.Area = [.. outline];
        }

        if (cameras is { } attached)
        {
            S.Cameras = [.. attached];
        }

        AppendSteps(steps);
        await SaveAndPublish("response");
    }

    public async Task RecordRouteSteps(string unit, ImmutableArray<ResponseStep> steps)
    {
        if (S.Opening is null)
        {
            return;
        }

        if (!S.Routes.Contains(unit))
        {
            S.Routes.Add(unit);
        }

        AppendSteps(steps);
        await SaveAndPublish("route");
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The leak was confirmed, but the response never reported back (a silo lost in between): start it again.
        if (S.Opening is { Type: IncidentType.ChemicalLeak } && !S.HazardStarted && (IsConfirmed() || S.Opening.Chemical is not null) && !IncidentLifecycle.Terminal.Contains(S.Status))
        {
            await StartHazardResponse();
        }

        await base.OnActivateAsync(cancellationToken);
    }

    /// <summary>Starts the leak's hazard response (one-way: it reports each step back through <see cref="RecordHazard"/>).</summary>
    private Task StartHazardResponse() =>
        GrainFactory.GetGrain<IHazardResponseGrain>(Id).Start(new HazardStart(Id, S.Opening!.District, Summary().Location,
            [.. S.Alarms.Values.Where(a => a.Active).Select(a => a.DeviceId).Distinct(StringComparer.Ordinal)], clock.UtcNow, S.Opening.Chemical, S.Opening.Spill));

    public async Task RecordVideoGrants(ImmutableArray<IncidentVideoGrant> grants, ImmutableArray<string> notes)
    {
        if (S.Opening is null)
        {
            return;
        }

        var now = clock.UtcNow;
        if (IncidentLifecycle.Terminal.Contains(S.Status))
        {
            // Ended while the grants were being given: end them too.
            await GrainFactory.GetGrain<IIncidentVideoAccessGrain>(0).RevokeFor(Id, grants, $"system: incident {Id} {S.Status}");
            return;
        }

        grants = [.. grants.Where(g => !S.VideoGrants.Any(held => held.GrantId == g.GrantId))];
        if (grants.IsEmpty && notes.IsEmpty)
        {
            return;
        }

        S.VideoGrants.AddRange(grants);
        foreach (var agency in grants.GroupBy(g => g.Agency))
        {
            Append("system", IncidentGrains.VideoAccessGranted, null, null,
                $"{agency.Key}: {string.Join(", ", agency.Select(g => $"{g.CameraId} ({g.Purpose})"))} until {agency.Max(g => g.Until):O}", now);
        }

        foreach (var note in notes)
        {
            Append("system", IncidentGrains.VideoAccessNotGranted, null, null, note, now);
        }

        S.UpdatedAt = now;
        await SaveAndPublish("video access granted");
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == EscalationReminder ? Escalate() : Task.CompletedTask;

    /// <summary>Raises a waiting incident's priority for the steps it has waited since the last rise, and says so everywhere it is shown.</summary>
    private async Task Escalate()
    {
        if (S.Opening is not null && S.Status == IncidentStatus.New && ShelvedNow() && !S.ShelfNoted)
        {
            // Shelved by an operator: the wait stops counting until the shelf ends, and the timeline says so once.
            var now = clock.UtcNow;
            Append("system", "escalation held", null, null,
                Phrases.Say("incident.escalationHeld", S.Priority.ToString(), ShelvedUntil() is { } until ? Phrases.Time(until) : ""), now);
            S.ShelfNoted = true;
            S.UpdatedAt = now;
            await SaveAndPublish("escalation held");
        }
        else if (S.Opening is not null && S.Status == IncidentStatus.New && EffectivePriority() is var raised && raised != S.Priority)
        {
            var now = clock.UtcNow;
            Append("system", "priority raised", null, null, IncidentEscalation.Describe(S.Priority, raised, now - S.Opening.At), now);
            S.Priority = raised;
            S.EscalationSteps = StepsWaited();
            S.UpdatedAt = now;
            await SaveAndPublish("escalated");
        }

        await KeepEscalationReminder();
    }

    /// <summary>The escalation reminder exists exactly while the incident is new and can still rise.</summary>
    private async Task KeepEscalationReminder()
    {
        var needed = S.Opening is not null && S.Status == IncidentStatus.New && S.Priority != Priority.P1;
        var reminder = await this.GetReminder(EscalationReminder);
        if (needed && reminder is null)
        {
            var step = options.Value.EscalationStep;
            await this.RegisterOrUpdateReminder(EscalationReminder, step, step > MinimumReminderPeriod ? step : MinimumReminderPeriod);
        }
        else if (!needed && reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Checkpoints.OnDeactivate(cancellationToken);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>Applies what the action does besides a status change; returns the timeline's detail text.</summary>
    private string Apply(IncidentAction action, DateTimeOffset now, Actor actor)
    {
        string Require(string? value, string field) =>
            string.IsNullOrWhiteSpace(value) ? throw new IncidentRuleException(IncidentRuleKind.Invalid, $"{field}: is required for {action.Kind}") : value;

        switch (action.Kind)
        {
            case IncidentActionKind.Acknowledge:
                foreach (var (key, alarm) in S.Alarms.ToList())
                {
                    S.Alarms[key] = alarm with { State = AlarmLifecycle.Acknowledge(alarm.State) };
                }

                return action.Text ?? "acknowledged";
            case IncidentActionKind.Assign:
                S.AssignedUnit = Require(action.Unit, "unit");
                return $"unit {S.AssignedUnit}";
            case IncidentActionKind.Dispatch:
                S.AssignedUnit = action.Unit ?? S.AssignedUnit ?? Require(null, "unit");
                return $"unit {S.AssignedUnit} dispatched";
            case IncidentActionKind.AddNote:
                return Require(action.Text, "text");
            case IncidentActionKind.AddEvidence:
                var link = Require(action.Text, "text");
                if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
                {
                    throw new IncidentRuleException(IncidentRuleKind.Invalid, "text: evidence must be an absolute http or https link");
                }

                S.Evidence.Add(link);
                return link;
            case IncidentActionKind.Cancel or IncidentActionKind.FalseAlarm:
                return Require(action.Text, "text");
            case IncidentActionKind.CompleteStep:
                var number = action.Step ?? throw new IncidentRuleException(IncidentRuleKind.Invalid, "step: is required for CompleteStep");
                var index = S.Procedure.FindIndex(s => s.Number == number);
                if (index < 0)
                {
                    throw new IncidentRuleException(IncidentRuleKind.Invalid, $"step: must be one of 1 to {S.Procedure.Count}");
                }

                S.Procedure[index] = S.Procedure[index] with { DoneBy = actor.Name, DoneAt = now };
                return $"step {number}: {S.Procedure[index].Text}";
            case IncidentActionKind.ShelveAlarm:
                var alarmKey = AlarmKey.Of(Require(action.DeviceId, "deviceId"), action.Condition ?? throw new IncidentRuleException(IncidentRuleKind.Invalid, "condition: is required for ShelveAlarm"));
                if (!S.Alarms.TryGetValue(alarmKey, out var shelved))
                {
                    throw new IncidentRuleException(IncidentRuleKind.Invalid, $"deviceId: no {action.Condition} alarm of {action.DeviceId} is linked to this incident");
                }

                if (action.ShelveFor is not { } duration || duration <= TimeSpan.Zero || duration > TimeSpan.FromHours(24))
                {
                    throw new IncidentRuleException(IncidentRuleKind.Invalid, "shelveMinutes: must be more than 0 and at most 1440");
                }

                var reason = Require(action.Text, "text");
                S.Alarms[alarmKey] = shelved with { State = AlarmState.Shelved, ShelvedUntil = now + duration };
                if (ShelvedUntil() is { } until && until > now)
                {
                    S.Shelves.Add(new ShelfSpan(now, until));
                    S.ShelfNoted = false;
                }

                return $"{shelved.DeviceId} {shelved.Condition} shelved until {now + duration:O}: {reason}";
            default:
                return action.Text ?? "";
        }
    }

    private static UnitStatus? UnitStatusOf(IncidentStatus status) => status switch
    {
        IncidentStatus.Dispatched => UnitStatus.Dispatched,
        IncidentStatus.EnRoute => UnitStatus.EnRoute,
        IncidentStatus.OnScene => UnitStatus.OnScene,
        IncidentStatus.Resolved or IncidentStatus.Closed or IncidentStatus.Cancelled or IncidentStatus.FalseAlarm => UnitStatus.Available,
        _ => null,
    };

    private static string Verb(IncidentActionKind kind) => kind switch
    {
        IncidentActionKind.EnRoute => "en route",
        IncidentActionKind.OnScene => "on scene",
        IncidentActionKind.FalseAlarm => "false alarm",
        IncidentActionKind.AddNote => "note",
        IncidentActionKind.CompleteStep => "procedure step done",
        IncidentActionKind.ShelveAlarm => "alarm shelved",
        IncidentActionKind.AddEvidence => "evidence added",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>A response's steps on the timeline, each with its own actor and time; the incident is updated as of the last.</summary>
    private void AppendSteps(ImmutableArray<ResponseStep> steps)
    {
        foreach (var step in steps)
        {
            Append(step.Actor, step.Action, null, null, step.Detail, step.At, step.Said);
            S.UpdatedAt = step.At > S.UpdatedAt ? step.At : S.UpdatedAt;
        }
    }

    private void Append(string actor, string action, IncidentStatus? from, IncidentStatus? to, string detail, DateTimeOffset at, Phrase? said = null) =>
        S.Timeline.Add(new TimelineEntry(S.Timeline.Count + 1, at, actor, action, from, to, detail, said));

    /// <summary>A timeline line whose detail is a phrase: stored in English beside it.</summary>
    private void Append(string actor, string action, IncidentStatus? from, IncidentStatus? to, Phrase said, DateTimeOffset at) =>
        Append(actor, action, from, to, Phrases.InEnglish(said), at, said);

    private static string Count(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private bool IsConfirmed() =>
        S.Opening!.Type != IncidentType.ChemicalLeak || IncidentCatalog.IsConfirmedLeak(S.Alarms.Values, options.Value.SensorsToConfirmLeak);

    /// <summary>An unacknowledged new incident goes up one priority for every escalation step it waits (steps already applied are in the stored priority).</summary>
    private Priority EffectivePriority() =>
        S.Status != IncidentStatus.New ? S.Priority : IncidentEscalation.Raise(S.Priority, StepsWaited() - S.EscalationSteps);

    /// <summary>Escalation steps waited, less the time every alarm of the incident was shelved.</summary>
    private int StepsWaited()
    {
        var now = clock.UtcNow;
        return IncidentEscalation.StepsWaited(S.Opening!.At + IncidentEscalation.Paused(S.Shelves.Select(x => (x.From, x.Until)), now), now, options.Value.EscalationStep);
    }

    private IncidentSummary Summary()
    {
        var o = S.Opening!;
        var location = S.DeviceLocations.Count == 0 ? o.Location : Centroid(S.DeviceLocations.Values);
        var latest = S.Alarms.Count == 0 ? null : S.Alarms.Values.MaxBy(a => a.LastAt);
        return new IncidentSummary(Id, o.Type, EffectivePriority(), S.Status, o.Title, o.District, o.Zone, location,
            [.. S.Agencies], o.At, S.UpdatedAt, S.Alarms.Values.Sum(a => a.Triggers), IsConfirmed(), ShelvedUntil(),
            latest?.LastMessage, latest?.LastText);
    }

    private bool ShelvedNow() => ShelvedUntil() is { } until && until > clock.UtcNow;

    /// <summary>Until when the incident is kept from the queue: every alarm still annunciating is shelved (the latest shelf's end).</summary>
    private DateTimeOffset? ShelvedUntil()
    {
        var annunciating = S.Alarms.Values.Where(a => a.Active || a.State == AlarmState.Shelved).ToList();
        return annunciating.Count > 0 && annunciating.All(a => a.State == AlarmState.Shelved)
            ? annunciating.Max(a => a.ShelvedUntil)
            : null;
    }

    private static GeoPoint Centroid(IEnumerable<GeoPoint> points)
    {
        var list = points.ToList();
        return new GeoPoint(Math.Round(list.Average(p => p.Latitude), 6), Math.Round(list.Average(p => p.Longitude), 6));
    }

    private IncidentDetail Detail() => new(
        Summary(),
        [.. S.Devices],
        [.. S.Alarms.Values.OrderBy(a => a.FirstAt)],
        [.. S.Timeline],
        [.. S.Procedure],
        [.. S.Evidence],
        S.AssignedUnit,
        S.Opening!.Description,
        [.. S.CapMessages],
        [.. S.Media],
        S.Hazard,
        [.. S.Cameras],
        [.. S.Routes],
        [.. S.Area],
        S.Opening.DescriptionText);

    private async Task SaveAndPublish(string change)
    {
        await Checkpoints.WriteNow();
        await Publish(change);
    }

    /// <summary>Tells the month's index, the district's live feed (one-way) and the district's incident stream (the correlator listens) what changed.</summary>
    private async Task Publish(string change)
    {
        var summary = Summary();
        await GrainFactory.GetGrain<IIncidentIndexGrain>(IncidentGrains.IndexKey(summary.OpenedAt, summary.Id)).Upsert(summary);
        var evt = new IncidentEvent(summary, change, clock.UtcNow);
        await GrainFactory.GetGrain<ILiveFeedGrain>(summary.District).Incident(evt);
        try
        {
            await this.GetStreamProvider(StreamNames.Provider)
                .GetStream<IncidentEvent>(StreamId.Create(StreamNames.IncidentEvents, summary.District))
                .OnNextAsync(evt);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, Id);
        }
    }

    private StateCheckpoint Checkpoints => _checkpoints ??= new StateCheckpoint(this, state, CheckpointDelay, logger,
        "repeated triggers and routing counted since the last checkpoint");

    private void ScheduleCheckpoint() => Checkpoints.MarkDirty();

    [LoggerMessage(Level = LogLevel.Information, Message = "Incident {IncidentId} opened: {Type} in {District}")]
    private partial void LogOpened(string incidentId, IncidentType type, string district);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId} could not publish its change")]
    private partial void LogPublishFailed(Exception ex, string incidentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}, opened by a call, could not join {District}'s open incidents: later alarms open their own")]
    private partial void LogAdoptFailed(Exception ex, string incidentId, string district);
}
