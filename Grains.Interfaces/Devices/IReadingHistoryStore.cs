namespace CityControl.Devices;

/// <summary>
/// Where devices keep their recent readings, out of their activations: a device appends batches of the readings it
/// took to its current generation, starts a new generation when that holds its history's length, and reads its
/// history (this generation and the one before) only when someone asks for it or a reading comes out of order.
/// An append may be repeated after a failure: readers drop what is there twice.
/// </summary>
public interface IReadingHistoryStore
{
    /// <summary>Adds readings to the device's generation (created by the first append, which says so when it knows: one request less).</summary>
    Task Append(string deviceId, long generation, IReadOnlyList<Reading> readings, bool startsGeneration = false, CancellationToken cancellationToken = default);

    /// <summary>The readings of the device's generation in the order they were appended; empty when it has none.</summary>
    Task<IReadOnlyList<Reading>> Read(string deviceId, long generation, CancellationToken cancellationToken = default);

    /// <summary>Removes a generation the device no longer reads (none is fine).</summary>
    Task Delete(string deviceId, long generation, CancellationToken cancellationToken = default);
}
