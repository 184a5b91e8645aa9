using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Core;

namespace CityControl.Grains.Persistence;

/// <summary>
/// How every CityControl grain saves state that changes often: marked dirty on each change, written once after
/// <c>delay</c> (or at once when the change matters), and written at deactivation. A final write that fails (storage
/// unreachable during a shutdown) is logged with what is left unsaved instead of failing the deactivation.
/// <paramref name="beforeCheckpoint"/> runs before the write of a checkpoint (the timer's or the deactivation's), not
/// before a <see cref="WriteNow"/> of a change that matters: what may wait (a device's history) waits for the next one.
/// </summary>
public sealed partial class StateCheckpoint(Grain grain, IStorage storage, TimeSpan delay, ILogger logger, string whatIsLost, Func<Task>? beforeCheckpoint = null)
{
    private readonly CheckpointLedger? _ledger = ((IGrainBase)grain).GrainContext.ActivationServices.GetService<CheckpointLedger>();
    private IGrainTimer? _timer;

    public bool Dirty { get; private set; }

    /// <summary>Something changed that may wait for the next checkpoint.</summary>
    public void MarkDirty()
    {
        if (!Dirty)
        {
            _ledger?.BecameDirty();
        }

        Dirty = true;
        _timer ??= Arm();
    }

    private IGrainTimer Arm() => grain.RegisterGrainTimer(
        static (checkpoint, _) => checkpoint.WriteIfDirty(),
        this,
        new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = false });

    /// <summary>Writes the state now (a change that matters); the pending checkpoint is no longer needed.</summary>
    public async Task WriteNow(CancellationToken cancellationToken = default)
    {
        await storage.WriteStateAsync(cancellationToken);
        if (Dirty)
        {
            _ledger?.Saved();
        }

        Dirty = false;
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>Called from the grain's <c>OnDeactivateAsync</c>: the last chance to save what only memory holds.</summary>
    public async Task OnDeactivate(CancellationToken cancellationToken)
    {
        if (!Dirty)
        {
            return;
        }

        try
        {
            await Checkpoint(cancellationToken);
        }
        catch (Exception ex)
        {
            LogNotSaved(logger, ex, grain.GetGrainId(), whatIsLost);
            _ledger?.LostAtDeactivation();
            Dirty = false;
        }
    }

    /// <summary>The timer's checkpoint; one that fails (storage unreachable) is tried again after the same delay, not left to the next change.</summary>
    private async Task WriteIfDirty()
    {
        if (!Dirty)
        {
            return;
        }

        try
        {
            await Checkpoint();
        }
        catch (Exception ex)
        {
            LogCheckpointFailed(logger, ex, grain.GetGrainId(), delay);
            _timer?.Dispose();
            _timer = Arm();
        }
    }

    private async Task Checkpoint(CancellationToken cancellationToken = default)
    {
        if (beforeCheckpoint is not null)
        {
            await beforeCheckpoint();
        }

        await WriteNow(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{GrainId} could not write its checkpoint; trying again in {Delay}")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception ex, GrainId grainId, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{GrainId} could not save its state while deactivating; unsaved: {WhatIsLost}")]
    private static partial void LogNotSaved(ILogger logger, Exception ex, GrainId grainId, string whatIsLost);
}
