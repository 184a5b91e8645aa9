using CityControl.Devices;
using CityControl.Tests.Infrastructure;
using Orleans.Streams;

namespace CityControl.Tests.Grains;

/// <summary>
/// A district's device events go to its durable stream through an outbox that writes the events arriving during a
/// write together: on Azure Queue streams, one queue message for many events.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DeviceEventOutboxTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Two_hundred_events_at_once_all_arrive_once_through_the_stream_none_in_a_write_larger_than_a_message_holds()
    {
        var district = "Outbox-" + Guid.NewGuid().ToString("N")[..8];
        await using var events = await StreamProbe.SubscribeAsync<DeviceEvent>(fixture.Cluster.Client, StreamNames.DeviceEvents, district);
        var outbox = fixture.Cluster.Client.GetGrain<IDeviceEventOutboxGrain>(district);
        var at = fixture.Time.GetUtcNow();
        DeviceEvent Event(int i) => new($"dev-{i % 10}", DeviceKind.GasSensor, district, "zone", DeviceEventType.CameBackOnline, at, i.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => outbox.Publish(Event(i))));
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => events.WaitFor(e => e.Detail == i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        // Every event once. (The test's client spreads its calls over the cluster's silos, each with an outbox of the
        // district; a device's events all go through its own silo's.)
        var received = events.Received;
        Assert.Equal(200, received.Count);
        Assert.Equal(Enumerable.Range(0, 200), received.Select(e => int.Parse(e.Detail, System.Globalization.CultureInfo.InvariantCulture)).Order());

        // One stream write gives its events one sequence number, each its own index within it: none holds more than
        // a message may (how many go together depends on how they arrive: GroupCommitTests shows it with a held write).
        var writes = events.Tokens.Zip(received).GroupBy(p => Assert.IsAssignableFrom<StreamSequenceToken>(p.First).SequenceNumber).ToList();
        Assert.All(writes, write => Assert.InRange(write.Count(), 1, CityControl.Grains.Devices.DeviceEventOutboxGrain.MaxEventsPerMessage));

        // A lone event later is written on its own, at once.
        await outbox.Publish(Event(200));
        await events.WaitFor(e => e.Detail == "200");
        Assert.NotEqual(events.Tokens[^2]!.SequenceNumber, events.Tokens[^1]!.SequenceNumber);
    }
}
