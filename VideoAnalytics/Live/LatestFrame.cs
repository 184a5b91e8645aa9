using OpenCvSharp;

namespace CityControl.Video.Live;

/// <summary>
/// The one-frame mailbox between a camera's reader and its analysis: the reader overwrites it, the analysis takes the
/// newest. A slow analysis skips frames instead of queueing them, so a camera holds two frames whatever its input rate.
/// </summary>
public sealed class LatestFrame : IDisposable
{
    private readonly object _gate = new();
    private Mat _slot = new();
    private bool _fresh;
    private double _time;

    /// <summary>Frames overwritten before the analysis took them.</summary>
    public long Dropped { get; private set; }

    /// <summary>Puts a frame in the slot; the caller's Mat receives the previous slot's buffer to read into next.</summary>
    public void Offer(ref Mat frame, double time)
    {
        lock (_gate)
        {
            if (_fresh)
            {
                Dropped++;
            }

            (_slot, frame) = (frame, _slot);
            _time = time;
            _fresh = true;
        }
    }

    /// <summary>Swaps the newest frame into <paramref name="frame"/> if one arrived since the last take.</summary>
    public bool TryTake(ref Mat frame, out double time)
    {
        lock (_gate)
        {
            time = _time;
            if (!_fresh)
            {
                return false;
            }

            (_slot, frame) = (frame, _slot);
            _fresh = false;
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _slot.Dispose();
        }
    }
}
