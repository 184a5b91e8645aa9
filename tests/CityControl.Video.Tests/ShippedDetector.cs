using CityControl.Video.Detection;

namespace CityControl.Tests.Video;

/// <summary>
/// The detector the worker ships (tools/detector-model.sh installs it before the build; the build copies it beside
/// the tests), loaded once for all the tests of this assembly, as a worker loads it once for all its cameras.
/// </summary>
public static class ShippedDetector
{
    private static readonly Lazy<ObjectDetector> Loaded = new(() => new ObjectDetector(DetectorModel.Load(new DetectorSettings())));

    public static ObjectDetector Instance => Loaded.Value;
}
