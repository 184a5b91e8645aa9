using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Video.Detection;

/// <summary>
/// The worker's one object detector, loaded when the first camera asks for object detection and shared by all of
/// its cameras (the inference threads are bounded per worker, not per camera). If the model cannot be loaded the
/// error is logged once and those cameras run on motion alone, their status saying so.
/// </summary>
public sealed partial class DetectorProvider(IOptions<DetectorSettings> settings, ILogger<DetectorProvider> logger) : IDisposable
{
    private readonly Lazy<ObjectDetector?> _detector = new(() => Load(settings.Value, logger), LazyThreadSafetyMode.ExecutionAndPublication);

    public ObjectDetector? Get() => _detector.Value;

    public void Dispose()
    {
        if (_detector.IsValueCreated)
        {
            _detector.Value?.Dispose();
        }
    }

    private static ObjectDetector? Load(DetectorSettings settings, ILogger logger)
    {
        try
        {
            var detector = new ObjectDetector(DetectorModel.Load(settings), settings.Threads);
            LogLoaded(logger, detector.Name, detector.InputSize, settings.Threads);
            return detector;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            LogLoadFailed(logger, ex, settings.ResolvedPath);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Object detector {Model} loaded: {InputSize} px input, {Threads} inference thread(s)")]
    private static partial void LogLoaded(ILogger logger, string model, int inputSize, int threads);

    [LoggerMessage(Level = LogLevel.Error, Message = "The object detector {Path} could not be loaded; cameras set to detect objects run on motion alone")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string path);
}
