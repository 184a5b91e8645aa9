using System.Collections.Immutable;

namespace CityControl.Devices;

/// <summary>
/// A Device entity a gateway (a partner's context broker) announced that is no device of this platform yet: it lacks
/// what an admin must give (a place on the map, a kind this platform watches, a district). Kept, with the entity as it
/// came, until an admin onboards a device with its id or dismisses it.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.device-announcement.v1")]
public sealed record class DeviceAnnouncement(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string? District,
    [property: Id(3)] string Gateway,
    [property: Id(4)] ImmutableArray<string> ControlledProperties,
    [property: Id(5)] ImmutableArray<string> Missing,
    [property: Id(6)] DateTimeOffset FirstAt,
    [property: Id(7)] DateTimeOffset LastAt,
    [property: Id(8)] int Times,
    [property: Id(9)] string? Entity);

/// <summary>One share of the announced devices (by the device id's partition).</summary>
public interface IDeviceAnnouncementsGrain : IGrainWithIntegerKey
{
    /// <summary>Keeps it, or updates the one with its id (first heard kept, counted again).</summary>
    Task Announce(DeviceAnnouncement announcement);

    Task<ImmutableArray<DeviceAnnouncement>> List();

    Task<DeviceAnnouncement?> Get(string id);

    /// <summary>Forgets it (dismissed by an admin, or onboarded); false when it was not there.</summary>
    Task<bool> Remove(string id);
}

public static class DeviceAnnouncements
{
    public const int Partitions = 8;

    /// <summary>At most this many per partition: past it, the one heard from longest ago goes.</summary>
    public const int MaxPerPartition = 1_000;

    /// <summary>The entity as it came is kept up to this many characters (a bigger one is kept without it).</summary>
    public const int MaxEntityChars = 16_384;

    public static IDeviceAnnouncementsGrain AnnouncementsFor(this IGrainFactory grains, string deviceId) =>
        grains.GetGrain<IDeviceAnnouncementsGrain>(PartitionHash.Fnv1a(deviceId) % Partitions);

    public static async Task<List<DeviceAnnouncement>> ListAnnouncements(this IGrainFactory grains)
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p => grains.GetGrain<IDeviceAnnouncementsGrain>(p).List()));
        return [.. parts.SelectMany(p => p).OrderByDescending(a => a.LastAt).ThenBy(a => a.Id, StringComparer.Ordinal)];
    }
}
