using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using CityControl.Live;
using System.Collections.Immutable;
using CityControl.Alarms;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using CityControl.Rules.Security;
using CityControl.Rules.Devices;
using CityControl.Rules.Alarms;
using CityControl.Rules;
using CityControl.Devices;

using CityControl.Grains.Persistence;

namespace CityControl.Grains.Devices;

/// <summary>
/// The behaviour shared by every device actor: lifecycle, credential, readings, heartbeat watchdog and checkpoints.
/// Each kind is a sealed grain class of its own so that it can grow its own behaviour.
/// </summary>
public abstract partial class DeviceGrain(
    IPersistentState<DeviceState> state,
    CityClock clock,
    IOptions<DeviceGrainOptions> options,
    ILogger logger) : Grain, IDeviceGrain, IRemindable
{
    public const string StateName = "device";
    private const string HeartbeatReminder = "heartbeat";

    private readonly DeviceGrainOptions _options = options.Value;
    private StateCheckpoint? _checkpoints;
    private IReadingHistoryStore? _historyStore;

    protected abstract DeviceKind Kind { get; }

    protected string Id => this.GetPrimaryKeyString();

    protected DeviceState S => state.State;

    protected DateTimeOffset Now => clock.UtcNow;

    public async Task<DeviceSnapshot> Onboard(DeviceDefinition definition, string credentialHash)
    {
        if (S.Definition is not null)
        {
            throw new DeviceConflictException($"Device '{Id}' already exists (status {S.Status}).");
        }

        if (definition.Id != Id || definition.Kind != Kind)
        {
            throw new DeviceRuleException("id", $"Definition for {definition.Kind} '{definition.Id}' sent to {Kind} grain '{Id}'.");
        }

        ThrowIfInvalid(Validate(definition).ToList());
        var now = clock.UtcNow;
        S.Definition = definition;
        S.Status = LifecycleStatus.Provisioned;
        S.CredentialHash = credentialHash;
        S.CredentialIssuedAt = now;
        S.CreatedAt = now;
        S.UpdatedAt = now;

        // The directory first: if we crash in between, a retried onboarding finds no device and succeeds.
        await GrainFactory.GetDirectoryFor(Id).Upsert(Summary());
        S.SettingsRevision++;
        await OnSettingsChanged();
        await state.WriteStateAsync();
        await EnsureWatchdog();
        LogOnboarded(Id, Kind);
        return Snapshot();
    }

    /// <summary>Shows connectivity as of now without changing it: only the watchdog moves it, so that its event is raised.</summary>
    public Task<DeviceSnapshot?> GetSnapshot() =>
        Task.FromResult(S.Definition is null
            ? null
            : Snapshot() with { Connectivity = HeartbeatWatchdog.Evaluate(S.LastSeen, S.Definition.HeartbeatInterval, clock.UtcNow, S.SessionLostAt) });

    public async Task<DeviceSnapshot> Update(DeviceUpdate update, string changedBy)
    {
        var current = RequireDefinition();
        var next = DeviceRules.Apply(current, update);
        var errors = Validate(next).ToList();
        if (update.Status is { } status && DeviceRules.CheckTransition(S.Status, status) is { } transitionError)
        {
            errors.Add(new("status", transitionError));
        }
        else if (S.Status == LifecycleStatus.Decommissioned)
        {
            errors.Add(new("status", "a decommissioned device cannot be changed"));
        }

        ThrowIfInvalid(errors);
        var now = clock.UtcNow;
        var statusChanged = update.Status is { } s && s != S.Status;
        var configChanged = next != current;
        if (!statusChanged && !configChanged)
        {
            return Snapshot();
        }

        var previousStatus = S.Status;
        S.Definition = next;
        S.Status = update.Status ?? S.Status;
        S.UpdatedAt = now;
        if (configChanged)
        {
            Recompute();
            await Raise(DeviceEventType.ConfigurationChanged, Phrases.Say("device.changedBy", changedBy));
        }

        if (statusChanged)
        {
            await Raise(DeviceEventType.LifecycleChanged, Phrases.Say("device.lifecycleBy", Lifecycle(previousStatus), Lifecycle(S.Status), changedBy));
        }

        await GrainFactory.GetDirectoryFor(Id).Upsert(Summary());
        S.SettingsRevision++;
        await OnSettingsChanged();
        await Persist();
        await EnsureWatchdog();
        return Snapshot();
    }

    public async Task<DeviceSnapshot> Decommission(string changedBy)
    {
        RequireDefinition();
        if (S.Status == LifecycleStatus.Decommissioned)
        {
            return Snapshot();
        }

        return await Update(new DeviceUpdate(Status: LifecycleStatus.Decommissioned), changedBy);
    }

    public async Task ReplaceCredential(string credentialHash)
    {
        RequireDefinition();
        if (S.Status == LifecycleStatus.Decommissioned)
        {
            throw new DeviceRuleException("status", "a decommissioned device gets no new credential");
        }

        S.CredentialHash = credentialHash;
        S.CredentialIssuedAt = clock.UtcNow;
        await Persist();
    }

    public Task<bool> VerifyCredential(string credentialHash) =>
        Task.FromResult(S.Definition is not null
            && S.Status != LifecycleStatus.Decommissioned
            && S.CredentialHash is { } stored
            && CredentialHashes.FixedTimeEquals(stored, credentialHash));

    public async Task<ReadingBatchResult> ReportReadings(ReadingBatch batch)
    {
        if (S.Definition is not { } device || S.Status == LifecycleStatus.Decommissioned)
        {
            return new(0, 0, batch.Readings.Length);
        }

        var liveBefore = S.Live;
        int duplicates = 0, ignored = 0;
        var added = new List<Reading>();

        // A reading newer than every reading of its metric is new; only one that is not (a retry, a replay, a late
        // reading) is checked against the history, which is read from its store for it.
        List<Reading>? window = null;
        foreach (var raw in batch.Readings)
        {
            if (LiveStateRules.Normalize(device, raw) is not { } reading)
            {
                ignored++;
                continue;
            }

            var newestOfMetric = !S.Latest.TryGetValue(reading.Metric, out var latest) || latest.Timestamp < reading.Timestamp;
            if (!newestOfMetric || window is not null)
            {
                window ??= await ReadHistoryWindow();
                switch (ReadingHistory.Insert(window, reading, _options.HistoryLength))
                {
                    case ReadingHistory.Outcome.Duplicate:
                        duplicates++;
                        continue;
                    case ReadingHistory.Outcome.TooOld:
                        ignored++;
                        continue;
                }
            }

            added.Add(reading);
            S.PendingHistory.Add(reading);
            if (newestOfMetric)
            {
                S.Latest[reading.Metric] = reading;
                S.Live = LiveStateRules.Apply(device, S.Live, reading);
            }
        }

        // What the next checkpoint appends; more than a history's length would only push itself out of the history.
        if (S.PendingHistory.Count > _options.HistoryLength)
        {
            S.PendingHistory.RemoveRange(0, S.PendingHistory.Count - _options.HistoryLength);
        }

        if (added.Count > 0)
        {
            S.Live = Derive(S.Live, added);
        }

        var applied = added.Count;
        var alarms = added.OrderBy(r => r.Timestamp).SelectMany(r => AlarmRules.Apply(device, S.Alarms, r)).ToList();
        if (applied == 0)
        {
            return new(applied, duplicates, ignored);
        }

        var meaningful = LiveStateRules.IsMeaningfulChange(liveBefore, S.Live);
        var newest = batch.Readings.Max(r => r.Timestamp);
        if (S.LastSeen is not { } seen || newest > seen)
        {
            S.LastSeen = newest > batch.ReceivedAt ? batch.ReceivedAt : newest;
        }

        foreach (var reading in added)
        {
            if (reading is { Metric: MetricCatalog.Connection, Value: 0 })
            {
                var at = reading.Timestamp > batch.ReceivedAt ? batch.ReceivedAt : reading.Timestamp;
                S.SessionLostAt = S.SessionLostAt is { } before && before > at ? before : at;
            }
        }

        if (S.SessionLostAt is { } sessionLost && S.LastSeen > sessionLost)
        {
            S.SessionLostAt = null; // heard from since
        }

        if (S.Status == LifecycleStatus.Provisioned)
        {
            S.Status = LifecycleStatus.Active;
            meaningful = true;
            await Raise(DeviceEventType.LifecycleChanged, Phrases.Say("device.activeOnFirstReading", Lifecycle(LifecycleStatus.Provisioned), Lifecycle(LifecycleStatus.Active)));
            await GrainFactory.GetDirectoryFor(Id).Upsert(Summary());
        }

        meaningful |= await RefreshConnectivityAndRaise();
        foreach (var alarm in alarms)
        {
            await RaiseAlarm(alarm);
        }

        meaningful |= alarms.Count > 0;
        if (meaningful)
        {
            await Raise(DeviceEventType.StateChanged, LiveStateRules.Said(S.Live));
            await Persist();
        }
        else
        {
            if (LiveStateRules.IsDisplayedChange(liveBefore, S.Live))
            {
                // Displayed-only changes come often (a signal's phase) and are not recorded: their English only.
                await Publish(DeviceEventType.LiveStateChanged, LiveStateRules.Said(S.Live) is { } said ? Phrases.InEnglish(said) : "");
            }

            MarkDirty();
        }

        return new(applied, duplicates, ignored);
    }

    public async Task<ImmutableArray<Reading>> GetRecentReadings(string? metric, int max)
    {
        var window = await ReadHistoryWindow();
        var selected = metric is null ? window : window.Where(r => r.Metric == metric);
        return [.. selected.TakeLast(Math.Clamp(max, 1, _options.HistoryLength))];
    }

    /// <summary>
    /// The device's recent history, in time order and at most <see cref="DeviceGrainOptions.HistoryLength"/> long: its
    /// store's last two generations and what it took since its last checkpoint, each reading once.
    /// </summary>
    private async Task<List<Reading>> ReadHistoryWindow()
    {
        var stored = S.HistoryGeneration == 0 && S.HistoryGenerationCount == 0
            ? []
            : await Task.WhenAll(
                S.HistoryGeneration > 0 ? HistoryStore.Read(Id, S.HistoryGeneration - 1) : Task.FromResult<IReadOnlyList<Reading>>([]),
                HistoryStore.Read(Id, S.HistoryGeneration));
        var window = new List<Reading>();
        foreach (var reading in stored.SelectMany(x => x).Concat(S.History).Concat(S.PendingHistory).OrderBy(r => r.Timestamp))
        {
            ReadingHistory.Insert(window, reading, _options.HistoryLength);
        }

        return window;
    }

    /// <summary>
    /// At a checkpoint (before the state is written): appends the readings not yet in the history store once there
    /// are <see cref="DeviceGrainOptions.HistoryBatch"/> of them (fewer wait in the state). A failure keeps them in the
    /// state for the next checkpoint; an append repeated after a crash is read once.
    /// </summary>
    private async Task AppendHistory()
    {
        if (S.History.Count > 0)
        {
            S.PendingHistory.InsertRange(0, S.History); // a state written before the history store
            S.History.Clear();
        }

        if (S.PendingHistory.Count < _options.HistoryBatch)
        {
            return; // they wait in the state, which this checkpoint writes
        }

        try
        {
            if (S.HistoryGenerationCount >= _options.HistoryLength)
            {
                S.HistoryGeneration++;
                S.HistoryGenerationCount = 0;
            }

            await HistoryStore.Append(Id, S.HistoryGeneration, S.PendingHistory, startsGeneration: S.HistoryGenerationCount == 0);
        }
        catch (Exception ex)
        {
            LogHistoryNotAppended(ex, Id, S.PendingHistory.Count);
            return;
        }

        var started = S.HistoryGenerationCount == 0;
        S.HistoryGenerationCount += S.PendingHistory.Count;
        S.PendingHistory.Clear();
        if (started && S.HistoryGeneration >= 2)
        {
            try
            {
                await HistoryStore.Delete(Id, S.HistoryGeneration - 2); // no longer read
            }
            catch (Exception ex)
            {
                LogHistoryNotDeleted(ex, Id, S.HistoryGeneration - 2);
            }
        }
    }

    private IReadingHistoryStore HistoryStore => _historyStore ??= ServiceProvider.GetRequiredService<IReadingHistoryStore>();

    public Task<ImmutableArray<DeviceEvent>> GetRecentEvents(int max) =>
        Task.FromResult(S.Events.TakeLast(Math.Clamp(max, 1, _options.EventHistoryLength)).ToImmutableArray());

    public async Task<Connectivity> CheckHeartbeat()
    {
        if (S.Definition is null)
        {
            return Connectivity.Unknown;
        }

        if (await RefreshConnectivityAndRaise())
        {
            await Persist();
        }

        return S.Connectivity;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == HeartbeatReminder ? CheckHeartbeat() : Task.CompletedTask;

    /// <summary>A device that exists tells its directory partition its summary: the index heals after losing its last checkpoint.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Definition is not null)
        {
            await GrainFactory.GetDirectoryFor(Id).Upsert(Summary(), S.Status == LifecycleStatus.Decommissioned ? null : Status());
        }

        if (S.PendingHistory.Count >= _options.HistoryBatch || S.History.Count > 0)
        {
            MarkDirty(); // readings the last activation left to append
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Checkpoints.OnDeactivate(cancellationToken);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    protected DeviceDefinition RequireDefinition() =>
        S.Definition ?? throw new DeviceNotFoundException($"Device '{Id}' does not exist.");

    /// <summary>The definition's rules; a kind adds its own (a camera: where its stream may come from).</summary>
    protected virtual IEnumerable<RuleViolation> Validate(DeviceDefinition definition) => DeviceRules.Validate(definition);

    protected static void ThrowIfInvalid(IReadOnlyCollection<RuleViolation> errors)
    {
        if (errors.Count > 0)
        {
            var first = errors.First();
            throw new DeviceRuleException(first.Field, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        }
    }

    /// <summary>Re-derives live state after a configuration change (new set-points change the level of the latest reading).</summary>
    private void Recompute()
    {
        // Commands are not readings: what the control centre put the device on stays.
        var live = new LiveState(SignalPlan: S.Live.SignalPlan, Warning: S.Live.Warning, Priority: S.Live.Priority, BarrierCommand: S.Live.BarrierCommand);
        foreach (var reading in S.Latest.Values)
        {
            if (LiveStateRules.Normalize(S.Definition!, reading) is { } normalized)
            {
                live = LiveStateRules.Apply(S.Definition!, live, normalized);
            }
        }

        S.Live = live;
    }

    /// <summary>Updates connectivity and raises the health event on a change; true when it changed.</summary>
    private async Task<bool> RefreshConnectivityAndRaise()
    {
        var before = S.Connectivity;
        S.Connectivity = HeartbeatWatchdog.Evaluate(S.LastSeen, S.Definition!.HeartbeatInterval, clock.UtcNow, S.SessionLostAt);
        if (before == S.Connectivity)
        {
            return false;
        }

        if (AlarmRules.Connectivity(S.Alarms, S.Connectivity, clock.UtcNow, S.LastSeen) is { } offlineAlarm)
        {
            await RaiseAlarm(offlineAlarm);
        }

        if (S.Connectivity == Connectivity.Offline)
        {
            LogOffline(Id, S.LastSeen);
            await Raise(DeviceEventType.WentOffline, (S.SessionLostAt, S.LastSeen) switch
            {
                ({ } lost, _) => Phrases.Say("device.lastWill", Phrases.Time(lost)),
                (_, { } seen) => Phrases.Say("device.noReportSince", Phrases.Time(seen), Heartbeat()),
                _ => Phrases.Say("device.neverReported", Heartbeat()),
            });
        }
        else if (S.Connectivity == Connectivity.Online && before == Connectivity.Offline && S.LastSeen is { } seen)
        {
            await Raise(DeviceEventType.CameBackOnline, Phrases.Say("device.reportingAgain", Phrases.Time(seen)));
        }

        return true;
    }

    protected Task RaiseAlarm(AlarmTransition alarm)
    {
        if (alarm.Active)
        {
            ServiceProvider.GetRequiredService<Hosting.GrainMetrics>().AlarmRaised(alarm.Condition);
        }

        return Raise(alarm.Active ? DeviceEventType.AlarmRaised : DeviceEventType.AlarmCleared, alarm.Message, alarm.Text, alarm);
    }

    /// <summary>
    /// The device's definition or status changed (or it was onboarded): tell whoever runs something for it from its
    /// settings. Called before the state is written, as the directory is, so a failure leaves the change to be retried.
    /// </summary>
    protected virtual Task OnSettingsChanged() => Task.CompletedTask;

    /// <summary>Records the event in the device's history and publishes it.</summary>
    protected Task Raise(DeviceEventType type, Phrase? said) => Raise(type, said is null ? "" : Phrases.InEnglish(said), said);

    private async Task Raise(DeviceEventType type, string detail, Phrase? said, AlarmTransition? alarm = null)
    {
        var evt = await Publish(type, detail, alarm, said);
        S.Events.Add(evt);
        if (S.Events.Count > _options.EventHistoryLength)
        {
            S.Events.RemoveRange(0, S.Events.Count - _options.EventHistoryLength);
        }

        // The directory keeps the status a recorded event leaves (a feed that activates starts its board from it);
        // displayed-only changes (a signal's phase) are not recorded and the feed's events carry them.
        if (S.Status != LifecycleStatus.Decommissioned)
        {
            await GrainFactory.GetDirectoryFor(Id).Upsert(Summary(), Status());
        }
    }

    /// <summary>Sends the event to the district's live feed and publishes it on the district's device-event stream, through the district's outbox (a failure is logged: the state stays the truth).</summary>
    private async Task<DeviceEvent> Publish(DeviceEventType type, string detail, AlarmTransition? alarm = null, Phrase? said = null)
    {
        var device = S.Definition!;
        var evt = new DeviceEvent(Id, Kind, device.District, device.Zone, type, alarm?.At ?? clock.UtcNow, detail, alarm, device.Location, S.Status, S.Live, S.Connectivity, said);

        // Screens first, straight to the district's feed (one-way); then the durable stream that the correlator reads.
        await GrainFactory.GetGrain<ILiveFeedGrain>(device.District).Device(evt);
        var published = PublishToStream(evt);

        // An alarm's change holds the device until its event is in the stream's queue (no alarm may be lost between
        // the device and its incident). Other events (coming online, settings, lifecycle) do not: on a storage queue
        // each is a write, and ten thousand devices coming online at once held ingest for a minute on Azurite.
        if (alarm is not null)
        {
            await published;
        }

        return evt;
    }

    private async Task PublishToStream(DeviceEvent evt)
    {
        try
        {
            await GrainFactory.GetGrain<IDeviceEventOutboxGrain>(evt.District).Publish(evt);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, Id, evt.Type);
        }
    }

    private async Task EnsureWatchdog()
    {
        if (S.Status == LifecycleStatus.Decommissioned)
        {
            if (await this.GetReminder(HeartbeatReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        var period = HeartbeatWatchdog.CheckPeriod(S.Definition!.HeartbeatInterval);
        await this.RegisterOrUpdateReminder(HeartbeatReminder, period, period);
    }

    private StateCheckpoint Checkpoints => _checkpoints ??= new StateCheckpoint(this, state, _options.CheckpointInterval, logger,
        "readings and live state since the last checkpoint (the ingest journal replays the readings)", AppendHistory);

    /// <summary>Live state a kind derives after new readings (a gauge's trend), beyond what each reading sets; <paramref name="added"/> in arrival order.</summary>
    protected virtual LiveState Derive(LiveState live, IReadOnlyList<Reading> added) => live;

    /// <summary>Why the device cannot take a command now (out of service, offline), or null.</summary>
    protected string? CommandRefusal()
    {
        if (S.Definition is null)
        {
            return "no such device";
        }

        var connectivity = HeartbeatWatchdog.Evaluate(S.LastSeen, S.Definition.HeartbeatInterval, clock.UtcNow, S.SessionLostAt);
        return DeviceCommandRules.Refusal(S.Status, connectivity, S.LastSeen);
    }

    /// <summary>Records a command the device took: its live state now says what the field is to do, written and published (the field learns it from the event).</summary>
    protected async Task IssueCommand(LiveState live, Phrase detail)
    {
        S.Live = live;
        S.UpdatedAt = clock.UtcNow;
        await Raise(DeviceEventType.CommandIssued, detail);
        await Persist();
    }

    /// <summary>A change that may wait for the checkpoint (readings, counts): it is in the ingest journal meanwhile.</summary>
    protected void MarkDirty() => Checkpoints.MarkDirty();

    /// <summary>A change that matters (alarm, lifecycle, configuration): written now; a batch of readings for the history store is still appended at the next checkpoint.</summary>
    protected async Task Persist()
    {
        await Checkpoints.WriteNow();
        if (S.PendingHistory.Count >= _options.HistoryBatch)
        {
            MarkDirty();
        }
    }

    private DeviceSummary Summary()
    {
        var d = S.Definition!;
        return new(Id, Kind, d.Name, d.Location, d.District, d.Zone, S.Status);
    }

    /// <summary>The device's status as a map marker shows it.</summary>
    private DeviceStatus Status() => new(Id, S.Live, S.Connectivity, [.. S.Alarms.Active.Values.Select(a => a.Condition).Order()], S.LastSeen);

    private DeviceSnapshot Snapshot() => new(
        S.Definition!,
        S.Status,
        S.Connectivity,
        S.LastSeen,
        S.Latest.ToImmutableDictionary(StringComparer.Ordinal),
        S.Live,
        S.CreatedAt,
        S.UpdatedAt,
        S.CredentialIssuedAt,
        [.. S.Alarms.Active.Values.OrderBy(a => a.Since)]);

    private static PhraseArg Lifecycle(LifecycleStatus status) => Phrases.Word("lifecycle", status);

    private PhraseArg Heartbeat() => S.Definition!.HeartbeatInterval.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} ({Kind}) onboarded")]
    private partial void LogOnboarded(string deviceId, DeviceKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} went offline; last seen {LastSeen}")]
    private partial void LogOffline(string deviceId, DateTimeOffset? lastSeen);


    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} could not append {Count} readings to its history; they stay in its state for the next checkpoint")]
    private partial void LogHistoryNotAppended(Exception ex, string deviceId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} could not delete its history generation {Generation}, which it no longer reads")]
    private partial void LogHistoryNotDeleted(Exception ex, string deviceId, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} could not publish {EventType}")]
    private partial void LogPublishFailed(Exception ex, string deviceId, DeviceEventType eventType);
}
