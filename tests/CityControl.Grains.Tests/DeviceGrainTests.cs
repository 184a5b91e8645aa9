using Microsoft.Extensions.DependencyInjection;
using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Orleans.Streams;
using CityControl.Rules.Security;
using CityControl.Rules.Devices;
using CityControl.Live;
using CityControl.Grains.Devices;

namespace CityControl.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class DeviceGrainTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_device_that_stops_reporting_goes_offline_after_its_interval_raises_a_health_event_and_comes_back()
    {
        var (grain, id) = await OnboardGas("Watchdog-" + Guid.NewGuid().ToString("N")[..6]);
        var district = (await grain.GetSnapshot())!.Definition.District;
        await using var events = await StreamProbe.SubscribeAsync<DeviceEvent>(fixture.Cluster.Client, StreamNames.DeviceEvents, district);

        var reportedAt = fixture.Time.GetUtcNow();
        await grain.ReportReadings(Batch(reportedAt, 5));
        Assert.Equal(Connectivity.Online, await grain.CheckHeartbeat());

        fixture.Time.Advance(Heartbeat);
        Assert.Equal(Connectivity.Online, await grain.CheckHeartbeat());

        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Connectivity.Offline, await grain.CheckHeartbeat());
        Assert.Equal(Connectivity.Offline, await grain.CheckHeartbeat());

        await grain.ReportReadings(Batch(fixture.Time.GetUtcNow(), 6));
        var snapshot = await grain.GetSnapshot();
        var recent = await grain.GetRecentEvents(10);

        Assert.Equal(Connectivity.Online, snapshot!.Connectivity);
        Assert.Equal(
            [DeviceEventType.WentOffline, DeviceEventType.CameBackOnline],
            recent.Where(e => e.Type is DeviceEventType.WentOffline or DeviceEventType.CameBackOnline).Select(e => e.Type));
        var offline = recent.Single(e => e.Type == DeviceEventType.WentOffline);
        Assert.Equal(reportedAt + Heartbeat + TimeSpan.FromSeconds(1), offline.At);
        Assert.Equal(id, offline.DeviceId);

        await events.WaitFor(e => e.Type == DeviceEventType.CameBackOnline);
        Assert.Single(events.Received, e => e.Type == DeviceEventType.WentOffline);
    }

    [Fact]
    public async Task Readings_are_kept_once_per_metric_and_time_and_only_a_level_change_is_written_at_once()
    {
        var (grain, _) = await OnboardGas("Guro");
        var grainId = grain.GetGrainId();
        var writesAfterOnboard = fixture.Storage.WritesOf(grainId);
        var at = fixture.Time.GetUtcNow();

        var first = await grain.ReportReadings(new ReadingBatch([.. Enumerable.Range(0, 20).Select(i => new Reading(at.AddSeconds(i), MetricCatalog.Concentration, 3 + i * 0.01, "ppm"))], at.AddSeconds(20)));
        var lifecycleWrites = fixture.Storage.WritesOf(grainId) - writesAfterOnboard;
        var again = await grain.ReportReadings(new ReadingBatch([new Reading(at.AddSeconds(5), MetricCatalog.Concentration, 3.05, "ppm")], at.AddSeconds(21)));
        var quiet = await grain.ReportReadings(Batch(at.AddSeconds(30), 4));
        var writesWhileQuiet = fixture.Storage.WritesOf(grainId) - writesAfterOnboard;
        var high = await grain.ReportReadings(Batch(at.AddSeconds(40), 36));
        var writesAfterHigh = fixture.Storage.WritesOf(grainId) - writesAfterOnboard;

        Assert.Equal(new ReadingBatchResult(20, 0, 0), first);
        Assert.Equal(1, lifecycleWrites);
        Assert.Equal(new ReadingBatchResult(0, 1, 0), again);
        Assert.Equal(new ReadingBatchResult(1, 0, 0), quiet);
        Assert.Equal(1, writesWhileQuiet);
        Assert.Equal(new ReadingBatchResult(1, 0, 0), high);
        Assert.Equal(2, writesAfterHigh);
        Assert.Equal(GasLevel.High, (await grain.GetSnapshot())!.Live.GasLevel);
        Assert.Equal(22, (await grain.GetRecentReadings(null, 100)).Length);
    }

    [Fact]
    public async Task Readings_kept_only_in_memory_are_checkpointed_on_the_checkpoint_timer()
    {
        var (grain, _) = await OnboardGas("Guro");
        var grainId = grain.GetGrainId();
        await grain.ReportReadings(Batch(fixture.Time.GetUtcNow(), 4));
        var before = fixture.Storage.WritesOf(grainId);

        await grain.ReportReadings(Batch(fixture.Time.GetUtcNow().AddSeconds(1), 4.1));
        Assert.Equal(before, fixture.Storage.WritesOf(grainId));

        await fixture.Storage.WaitForWrites(grainId, before + 1, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_checkpoint_that_storage_refused_is_tried_again_without_waiting_for_another_reading()
    {
        var (grain, _) = await OnboardGas("Guro");
        var grainId = grain.GetGrainId();
        await grain.ReportReadings(Batch(fixture.Time.GetUtcNow(), 4));
        var before = fixture.Storage.WritesOf(grainId);

        // A reading that may wait for the checkpoint, whose write then fails: storage is unreachable for a while.
        fixture.Storage.Unwritable[grainId] = true;
        await grain.ReportReadings(Batch(fixture.Time.GetUtcNow().AddSeconds(1), 4.1));
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken); // the 1 s checkpoint fails at least once
        Assert.Equal(before, fixture.Storage.WritesOf(grainId));

        // Storage is back; nothing else happens to the device, and its checkpoint is written anyway.
        fixture.Storage.Unwritable.TryRemove(grainId, out _);
        await fixture.Storage.WaitForWrites(grainId, before + 1, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Concentrations_in_other_units_are_converted_to_the_sensor_unit()
    {
        var (grain, _) = await OnboardGas("Guro");
        var at = fixture.Time.GetUtcNow();

        await grain.ReportReadings(new ReadingBatch([new Reading(at, MetricCatalog.Concentration, 30_000, "ppb")], at));
        var snapshot = await grain.GetSnapshot();

        Assert.Equal(30, snapshot!.LatestReadings[MetricCatalog.Concentration].Value, 9);
        Assert.Equal("ppm", snapshot.LatestReadings[MetricCatalog.Concentration].Unit);
        Assert.Equal(GasLevel.Low, snapshot.Live.GasLevel);
    }

    [Fact]
    public async Task The_watchdog_is_a_reminder_at_the_heartbeat_period_whose_tick_takes_a_silent_device_offline_and_goes_with_decommissioning()
    {
        var (grain, id) = await OnboardGas("Reminder-" + Guid.NewGuid().ToString("N")[..6]);
        var grainId = grain.GetGrainId();
        var reminders = fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[0].SiloAddress).GetRequiredService<IReminderTable>();
        await grain.ReportReadings(Batch(fixture.Time.GetUtcNow(), 5));

        var registered = Assert.Single((await reminders.ReadRows(grainId)).Reminders);
        Assert.Equal(("heartbeat", Heartbeat), (registered.ReminderName, registered.Period));

        // A tick as the reminder service delivers it, once the device has been silent for longer than its interval.
        fixture.Time.Advance(Heartbeat + TimeSpan.FromSeconds(1));
        await fixture.Grains.GetGrain<IRemindable>(grainId).ReceiveReminder("heartbeat", new TickStatus(DateTime.UtcNow, Heartbeat, DateTime.UtcNow));
        var snapshot = (await grain.GetSnapshot())!;

        Assert.Equal(Connectivity.Offline, snapshot.Connectivity);
        Assert.Contains(await grain.GetRecentEvents(10), e => e.Type == DeviceEventType.WentOffline && e.DeviceId == id);
        await grain.Decommission("admin");
        Assert.Empty((await reminders.ReadRows(grainId)).Reminders);
    }

    [Fact]
    public async Task Onboarding_twice_conflicts_and_a_broken_rule_names_its_field()
    {
        var (grain, _) = await OnboardGas("Guro");
        var definition = (await grain.GetSnapshot())!.Definition;

        await Assert.ThrowsAsync<DeviceConflictException>(() => grain.Onboard(definition, "hash"));
        var error = await Assert.ThrowsAsync<DeviceRuleException>(() => grain.Update(new DeviceUpdate(GasSensor: definition.GasSensor! with { Low = 50 }), "test"));
        Assert.Equal("gasSensor.high", error.Field);
    }

    [Fact]
    public async Task A_district_feed_that_activates_starts_its_board_from_the_directory_without_activating_a_single_device()
    {
        var district = "Board-" + Guid.NewGuid().ToString("N")[..6];
        var (alarmed, alarmedId) = await OnboardGas(district);
        var (calm, calmId) = await OnboardGas(district);
        var at = fixture.Time.GetUtcNow();
        // A Low alarm on one detector: the leak is not confirmed, so no hazard response reads the detectors behind the test's back.
        await alarmed.ReportReadings(new ReadingBatch([.. Enumerable.Range(0, 5).Select(i => new Reading(at.AddSeconds(i), MetricCatalog.Concentration, 30, "ppm"))], at.AddSeconds(5)));
        await calm.ReportReadings(Batch(at, 5));
        var raised = (await alarmed.GetSnapshot())!.ActiveAlarms!.Select(a => a.Condition).Order().ToArray();
        Assert.Contains(AlarmCondition.GasLow, raised);

        // The devices' events reach the directory through their outboxes, one way: wait until both have (a device
        // deactivated with events still to deliver is woken to deliver them, which is not what this test is about).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await fixture.Grains.QueryBoard(district)) is var statuses
            && !(statuses.Any(d => d.Id == alarmedId && d.ActiveAlarms.Length > 0) && statuses.Any(d => d.Id == calmId && d.Connectivity == Connectivity.Online)))
        {
            Assert.True(DateTime.UtcNow < deadline, "both devices' statuses did not reach the directory within 20 s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        // Everything deactivated, as after a restart: the feed, the devices and the directory (which saves on the way out).
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var reads = fixture.Storage.ReadsOf(alarmed.GetGrainId()) + fixture.Storage.ReadsOf(calm.GetGrainId());

        var board = (await fixture.Grains.GetGrain<ILiveFeedGrain>(district).Board()).ToDictionary(s => s.Id);

        // No device was activated (none read its state), and the board is what the devices last recorded.
        Assert.Equal(reads, fixture.Storage.ReadsOf(alarmed.GetGrainId()) + fixture.Storage.ReadsOf(calm.GetGrainId()));
        Assert.Equal(new[] { alarmedId, calmId }.Order(StringComparer.Ordinal), board.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(raised, board[alarmedId].ActiveAlarms);
        Assert.Equal(GasLevel.Low, board[alarmedId].Live.GasLevel);
        Assert.Empty(board[calmId].ActiveAlarms);
        Assert.Equal((Connectivity.Online, GasLevel.Normal), (board[calmId].Connectivity, board[calmId].Live.GasLevel));
    }

    [Fact]
    public async Task A_device_keeps_its_history_in_the_store_reads_it_back_after_it_was_collected_and_still_knows_a_replayed_reading()
    {
        var (grain, id) = await OnboardGas("History-" + Guid.NewGuid().ToString("N")[..6]);
        var grainId = grain.GetGrainId();
        var at = fixture.Time.GetUtcNow();
        Reading Numbered(double i) => new(at.AddSeconds(i), MetricCatalog.Concentration, 3 + i / 1000, "ppm");

        // 130 readings over five checkpoints, more than two generations of the fixture's history of 50.
        for (var b = 0; b < 5; b++)
        {
            var writes = fixture.Storage.WritesOf(grainId);
            var result = await grain.ReportReadings(new ReadingBatch([.. Enumerable.Range(b * 26, 26).Select(i => Numbered(i))], at.AddSeconds(b * 26 + 26)));
            Assert.Equal(new ReadingBatchResult(26, 0, 0), result);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (fixture.Storage.WritesOf(grainId) == writes || fixture.Storage.StateOf<DeviceState>(DeviceGrain.StateName, grainId) is not { PendingHistory.Count: 0 })
            {
                Assert.True(DateTime.UtcNow < deadline, "the checkpoint did not append the readings to the history within 15 s");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        // The state holds no reading of the history, only the latest of each metric; the store holds the last two
        // generations (26+26 and 26 readings), the first one is gone.
        var stored = fixture.Storage.StateOf<DeviceState>(DeviceGrain.StateName, grainId)!;
        Assert.Empty(stored.History);
        Assert.Equal((2L, 26), (stored.HistoryGeneration, stored.HistoryGenerationCount));
        var store = new CityControl.Grains.Devices.History.MemoryReadingHistoryStore(fixture.Grains);
        Assert.Empty(await store.Read(id, 0));
        Assert.Equal(52, (await store.Read(id, 1)).Count);

        // Collected, as after a quiet hour: asked for its history, it reads it back from the store.
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var reads = fixture.Storage.ReadsOf(grainId);
        var recent = await grain.GetRecentReadings(null, 100);
        Assert.Equal(reads + 1, fixture.Storage.ReadsOf(grainId));
        Assert.Equal(Enumerable.Range(80, 50).Select(i => Numbered(i)), recent);
        Assert.Equal(Enumerable.Range(125, 5).Select(i => Numbered(i)), await grain.GetRecentReadings(MetricCatalog.Concentration, 5));

        // A replay of the last ten with one new reading: the ten are known from the store and not taken twice.
        Assert.Equal(new ReadingBatchResult(1, 10, 0), await grain.ReportReadings(new ReadingBatch([.. Enumerable.Range(120, 11).Select(i => Numbered(i))], at.AddSeconds(131))));

        // A late reading older than the whole history is not taken; one within it takes its place in time.
        Assert.Equal(new ReadingBatchResult(0, 0, 1), await grain.ReportReadings(new ReadingBatch([Numbered(10.5)], at.AddSeconds(132))));
        Assert.Equal(new ReadingBatchResult(1, 0, 0), await grain.ReportReadings(new ReadingBatch([Numbered(100.5)], at.AddSeconds(133))));
        var after = await grain.GetRecentReadings(null, 100);
        Assert.Equal(Numbered(100.5), after[after.Count(r => r.Timestamp < Numbered(100.5).Timestamp)]);
        Assert.Equal(Numbered(130), after[^1]);
        Assert.Equal(Numbered(130), (await grain.GetSnapshot())!.LatestReadings[MetricCatalog.Concentration]);
    }

    private async Task<(IGasSensorGrain Grain, string Id)> OnboardGas(string district)
    {
        var id = "gas-" + Guid.NewGuid().ToString("N")[..10];
        var grain = fixture.Grains.GetGrain<IGasSensorGrain>(id);
        await grain.Onboard(
            new DeviceDefinition(id, DeviceKind.GasSensor, "NH3 detector", new GeoPoint(37.48, 126.89), district, "plant-1", Heartbeat,
                GasSensor: new GasSensorSettings("NH3", "ppm", 25, 35, 25, 35)),
            CredentialHashes.Hash("secret"));
        return (grain, id);
    }

    private static ReadingBatch Batch(DateTimeOffset at, double ppm) =>
        new(ImmutableArray.Create(new Reading(at, MetricCatalog.Concentration, ppm, "ppm")), at);
}
