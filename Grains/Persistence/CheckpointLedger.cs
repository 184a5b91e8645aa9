namespace CityControl.Grains.Persistence;

/// <summary>
/// What this silo holds only in memory: grains with changes not yet written, and grains whose last write at
/// deactivation failed. A host that stops with neither may say it stopped cleanly; one with any must let its journal be
/// replayed.
/// </summary>
public sealed class CheckpointLedger
{
    private int _dirty;
    private int _unsaved;

    /// <summary>Active grains whose state has changes not yet written.</summary>
    public int Dirty => Volatile.Read(ref _dirty);

    /// <summary>Grains that deactivated without saving their last changes.</summary>
    public int Unsaved => Volatile.Read(ref _unsaved);

    /// <summary>Everything only memory held: lost if the process ends now.</summary>
    public int Lost => Dirty + Unsaved;

    internal void BecameDirty() => Interlocked.Increment(ref _dirty);

    internal void Saved() => Interlocked.Decrement(ref _dirty);

    internal void LostAtDeactivation()
    {
        Interlocked.Decrement(ref _dirty);
        Interlocked.Increment(ref _unsaved);
    }
}
