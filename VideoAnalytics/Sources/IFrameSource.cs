using CityControl.Rules.Video;
using OpenCvSharp;

namespace CityControl.Video.Sources;

/// <summary>Where a camera's frames come from. Read blocks until the next frame; false means the stream ended or broke.</summary>
public interface IFrameSource : IDisposable
{
    /// <summary>Reads the next BGR frame into <paramref name="frame"/>.</summary>
    bool Read(Mat frame);

    /// <summary>
    /// Makes a <see cref="Read"/> in progress on another thread return soon. Only the reading thread disposes a source:
    /// OpenCV's decoder crashes the process when its capture is released during a read.
    /// </summary>
    void Interrupt();
}

/// <summary>Opens the source a camera's stream address names: a file (looped and paced in real time) or a network stream through ffmpeg.</summary>
public static class FrameSources
{
    public static bool IsNetwork(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "rtsp" or "rtsps" or "rtmp" or "http" or "https" or "srt" or "udp" or "tcp";

    /// <summary>A file path, or a <c>file://</c> address, of a readable file.</summary>
    public static string? FilePath(string address)
    {
        if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.IsFile)
        {
            return uri.LocalPath;
        }

        return IsNetwork(address) ? null : address;
    }

    /// <summary>
    /// Opens the stream after checking it against the source policy once more, now with every address its host name
    /// resolves to: a name that points at loopback or a metadata service is refused before anything connects.
    /// </summary>
    public static IFrameSource Open(string address, FfmpegOptions ffmpeg, CameraSourceOptions sources, TimeProvider time, Func<string, System.Net.IPAddress[]>? resolve = null)
    {
        if (CameraSourcePolicy.Check(address, sources) is { } refused)
        {
            throw new SourceRefusedException(refused.Message);
        }

        if (IsNetwork(address))
        {
            var uri = new Uri(address);
            var resolved = uri.HostNameType is UriHostNameType.Dns ? (resolve ?? System.Net.Dns.GetHostAddresses)(uri.IdnHost) : [];
            if (CameraSourcePolicy.CheckAddresses(resolved, sources) is { } refusedAddress)
            {
                throw new SourceRefusedException($"{uri.IdnHost}: {refusedAddress.Message}");
            }

            // HTTP is fetched here, so that redirects and later DNS answers are checked too; ffmpeg opens the rest.
            return uri.Scheme is "http" or "https"
                ? HttpStreamSource.Open(address, ffmpeg, sources, resolve)
                : FfmpegSource.Start(address, ffmpeg);
        }

        var path = FilePath(address) ?? throw new InvalidDataException($"'{address}' is neither a file nor a network stream address");
        return new LoopingFileSource(path, time);
    }
}

/// <summary>A stream address the source policy refuses: nothing was contacted.</summary>
public sealed class SourceRefusedException(string message) : Exception(message);
