using System.Collections.Immutable;
using OpenCvSharp;

namespace CityControl.Video.Evidence;

/// <summary>
/// The evidence of a camera's events: keeps the last few seconds of annotated frames as JPEG (a bounded ring), and for
/// each flagged event the annotated snapshot plus the frames before and after it. When the after-roll is complete the
/// event is ready: its clip is written as MJPG in AVI and both pieces go to the store. Not thread-safe: the analysis
/// thread calls <see cref="Add"/>; storing runs on the thread pool.
/// </summary>
public sealed class EvidenceRecorder(string cameraId, IEvidenceStore store, double preRollSeconds, double postRollSeconds)
{
    /// <summary>At most this many events wait for their after-roll at once: a storm of events shares the clips of the first.</summary>
    public const int MaxPending = 8;

    private static readonly int[] JpegQuality = [(int)ImwriteFlags.JpegQuality, 80];
    private readonly Queue<(double Time, byte[] Jpeg)> _ring = new();
    private readonly List<Pending> _pending = [];

    /// <summary>Whether an event of this type gets evidence: alarms do, counts, presence and stream health do not.</summary>
    public static bool NeedsEvidence(VideoEventType type) =>
        type is VideoEventType.Intrusion or VideoEventType.Loitering or VideoEventType.Crowding or VideoEventType.StoppedVehicle or VideoEventType.Tampering;

    /// <summary>An annotated frame as the JPEG the evidence and the live view use.</summary>
    public static byte[] Encode(Mat annotated) => annotated.ImEncode(".jpg", JpegQuality);

    /// <summary>
    /// Adds an analysed, annotated frame (as <see cref="Encode"/> made it) with the events found in it; returns the
    /// events whose evidence is complete (to store with <see cref="StoreAsync"/>) and the events that need none (ready now).
    /// </summary>
    public (List<VideoEvent> Ready, List<Completed> Complete) Add(double time, byte[] jpeg, IReadOnlyList<VideoEvent> events)
    {
        _ring.Enqueue((time, jpeg));
        // The pre-roll is the frames of the last preRollSeconds up to and with this one (at 5 fps and 3 s, 15 frames),
        // whatever the rounding of their times: a frame exactly that old is outside it.
        while (_ring.Count > 0 && _ring.Peek().Time <= time - preRollSeconds + 1e-6)
        {
            _ring.Dequeue();
        }

        foreach (var pending in _pending)
        {
            pending.Frames.Add(jpeg);
        }

        var ready = new List<VideoEvent>();
        foreach (var e in events)
        {
            if (!NeedsEvidence(e.Type) || _pending.Count >= MaxPending)
            {
                ready.Add(e);
                continue;
            }

            _pending.Add(new Pending(e, time + postRollSeconds, jpeg, [.. _ring.Select(f => f.Jpeg)]));
        }

        var complete = _pending.Where(p => time >= p.Until).Select(p => new Completed(p.Event, p.Snapshot, p.Frames)).ToList();
        _pending.RemoveAll(p => time >= p.Until);
        return (ready, complete);
    }

    /// <summary>Events still waiting for their after-roll, completed with what there is (the stream stopped).</summary>
    public List<Completed> Flush()
    {
        var all = _pending.Select(p => new Completed(p.Event, p.Snapshot, p.Frames)).ToList();
        _pending.Clear();
        return all;
    }

    /// <summary>Writes the clip, stores snapshot and clip, and returns the event with its evidence.</summary>
    public async Task<VideoEvent> StoreAsync(Completed completed, double clipFps, CancellationToken cancellationToken)
    {
        var e = completed.Event;
        var at = e.At ?? DateTimeOffset.UtcNow;
        var stem = $"{cameraId}/{at.UtcDateTime:yyyy/MM/dd}/{at.UtcDateTime:HHmmss.fff}-{e.Type.ToString().ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";
        var snapshot = await store.StoreAsync($"{stem}.jpg", "snapshot", "image/jpeg", completed.Snapshot, cancellationToken);
        var clip = await store.StoreAsync($"{stem}.avi", "clip", "video/x-msvideo", WriteClip(completed.Frames, clipFps), cancellationToken);
        return e with { Evidence = ImmutableArray.Create(snapshot, clip) };
    }

    /// <summary>MJPG in AVI through OpenCV's own writer (no codec library needed), via a temporary file.</summary>
    public static byte[] WriteClip(IReadOnlyList<byte[]> jpegFrames, double fps)
    {
        var path = Path.Combine(Path.GetTempPath(), $"citycontrol-clip-{Guid.NewGuid():N}.avi");
        try
        {
            VideoWriter? writer = null;
            try
            {
                foreach (var jpeg in jpegFrames)
                {
                    using var frame = Cv2.ImDecode(jpeg, ImreadModes.Color);
                    writer ??= new VideoWriter(path, FourCC.MJPG, fps, frame.Size());
                    writer.Write(frame);
                }
            }
            finally
            {
                writer?.Dispose();
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public sealed record Completed(VideoEvent Event, byte[] Snapshot, IReadOnlyList<byte[]> Frames);

    private sealed record Pending(VideoEvent Event, double Until, byte[] Snapshot, List<byte[]> Frames);
}
