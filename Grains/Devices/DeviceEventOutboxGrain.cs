using CityControl.Devices;
using Orleans.Concurrency;
using Orleans.Streams;

namespace CityControl.Grains.Devices;

/// <summary>
/// Group commit of a district's device events to its durable stream. On Azure Queue streams every write is a queue
/// message, and a message per event made Azurite the limit of the whole platform (ten thousand devices coming online
/// are ten thousand writes). Here the first event is written at once; those that arrive while that write is under way
/// wait for it and then go together, up to <see cref="MaxEventsPerMessage"/> in one message (<see cref="GroupCommit{T}"/>).
/// An idle district's event therefore costs no added delay, and a busy district's cost grows with its writes, not its
/// events. A stateless worker, one per silo and district: a device's events go through its own silo, with no hop and
/// no single point for the cluster, and in the order the device raised them.
/// </summary>
[StatelessWorker(1)]
[Reentrant]
public sealed class DeviceEventOutboxGrain : Grain, IDeviceEventOutboxGrain
{
    /// <summary>
    /// At most this many events per message: an Azure Storage queue message holds 64 KiB (Base64, so 48 KiB of
    /// serialized events), and a device event with an alarm is well under 1 KiB.
    /// </summary>
    public const int MaxEventsPerMessage = 32;

    private GroupCommit<DeviceEvent>? _outbox;

    public Task Publish(DeviceEvent evt)
    {
        if (_outbox is null)
        {
            var stream = this.GetStreamProvider(StreamNames.Provider).GetStream<DeviceEvent>(StreamId.Create(StreamNames.DeviceEvents, this.GetPrimaryKeyString()));
            _outbox = new GroupCommit<DeviceEvent>(events => events.Count == 1 ? stream.OnNextAsync(events[0]) : stream.OnNextBatchAsync(events), MaxEventsPerMessage);
        }

        return _outbox.Add(evt);
    }
}
