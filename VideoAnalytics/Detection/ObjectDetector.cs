using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace CityControl.Video.Detection;

/// <summary>One object a detector found: its box in the pixels of the image it was given, class and confidence.</summary>
public readonly record struct DetectedObject(Rect2d Box, ObjectClass Class, float Confidence);

/// <summary>
/// The output contract of a detector model.
/// <see cref="CenterNet"/>: two NHWC outputs, a class heat map [1, H, W, K] (sigmoid scores) and box extents
/// [1, H, W, 4] (left, top, right, bottom distances from the cell, in input pixels); an object is a heat-map peak.
/// <see cref="Yolo"/>: one output [1, 4 + K, N] or [1, N, 4 + K] of boxes (centre x, centre y, width, height in input
/// pixels) with K class scores each (the layout of YOLOv5u/v8/v11 exports); overlapping boxes are suppressed here.
/// </summary>
public enum DetectorOutput
{
    CenterNet,
    Yolo,
}

/// <summary>
/// Runs a trained object detector on images (motion regions cropped by the caller) with ONNX Runtime, on a bounded
/// number of inference threads shared by every camera of the worker: a frame that cannot get a thread within its
/// wait is not queued, the caller drops it. COCO's class numbering names person, bicycle, car, motorcycle, bus and
/// truck; other classes are ignored.
/// </summary>
public sealed class ObjectDetector : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SemaphoreSlim _slots;
    private readonly DetectorModel _model;
    private readonly string _inputName;

    public ObjectDetector(DetectorModel model, int threads = 1)
    {
        _model = model;
        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(model.Onnx, options);
        _inputName = _session.InputNames[0];
        _slots = new SemaphoreSlim(Math.Max(1, threads));
        InputSize = model.InputSize;
    }

    /// <summary>The square input side, in pixels, that images are scaled (letterboxed) to.</summary>
    public int InputSize { get; }

    public string Name => _model.Name;

    /// <summary>Milliseconds of the last inferences, for the benchmark and the worker's metrics.</summary>
    public double LastInferenceMilliseconds { get; private set; }

    /// <summary>
    /// Detects objects in a BGR image; null when every inference thread stayed busy for <paramref name="wait"/> (the
    /// caller drops the frame rather than queue it).
    /// </summary>
    public List<DetectedObject>? Detect(Mat image, float minConfidence, TimeSpan wait)
    {
        if (!_slots.Wait(wait))
        {
            return null;
        }

        try
        {
            var scale = InputSize / (double)Math.Max(image.Width, image.Height);
            var input = Preprocess(image, scale);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, input)], _model.Outputs);
            LastInferenceMilliseconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var found = _model.Output == DetectorOutput.CenterNet ? CenterNet(results, minConfidence) : Yolo(results, minConfidence);
            var size = new Rect2d(0, 0, image.Width, image.Height);
            return [.. found.Select(d => d with { Box = Scale(d.Box, 1 / scale) & size }).Where(d => d.Box.Width >= 2 && d.Box.Height >= 2)];
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _slots.Dispose();
    }

    /// <summary>Letterboxes the image into the input square (top-left, black padding), RGB, as the model's layout wants.</summary>
    private DenseTensor<float> Preprocess(Mat image, double scale)
    {
        var width = Math.Max(1, (int)Math.Round(image.Width * scale));
        var height = Math.Max(1, (int)Math.Round(image.Height * scale));
        using var resized = new Mat();
        Cv2.Resize(image, resized, new Size(width, height), 0, 0, scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);
        var size = InputSize;
        var nchw = _model.ChannelsFirst;
        var tensor = new DenseTensor<float>(nchw ? [1, 3, size, size] : [1, size, size, 3]);
        var data = tensor.Buffer.Span;
        var pixelScale = _model.PixelScale;
        var plane = size * size;
        var step = (int)resized.Step();
        var pixels = new byte[step * height];
        System.Runtime.InteropServices.Marshal.Copy(resized.Data, pixels, 0, pixels.Length);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                // OpenCV's BGR to the model's RGB.
                var p = y * step + x * 3;
                float r = pixels[p + 2] * pixelScale, g = pixels[p + 1] * pixelScale, b = pixels[p] * pixelScale;
                if (nchw)
                {
                    var at = y * size + x;
                    data[at] = r;
                    data[plane + at] = g;
                    data[2 * plane + at] = b;
                }
                else
                {
                    var at = (y * size + x) * 3;
                    data[at] = r;
                    data[at + 1] = g;
                    data[at + 2] = b;
                }
            }
        }

        return tensor;
    }

    private List<DetectedObject> CenterNet(IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results, float minConfidence)
    {
        var heat = results.First(r => r.Name == _model.Outputs[0]).AsTensor<float>();
        var extents = results.First(r => r.Name == _model.Outputs[1]).AsTensor<float>();
        var (rows, cols, classes) = (heat.Dimensions[1], heat.Dimensions[2], heat.Dimensions[3]);
        var stride = InputSize / (double)cols;
        var h = ((DenseTensor<float>)heat).Buffer.Span;
        var e = ((DenseTensor<float>)extents).Buffer.Span;
        var found = new List<DetectedObject>();
        foreach (var (label, cls) in _model.Classes)
        {
            if (label >= classes)
            {
                continue;
            }

            for (var y = 0; y < rows; y++)
            {
                for (var x = 0; x < cols; x++)
                {
                    var score = h[(y * cols + x) * classes + label];
                    if (score < minConfidence || !IsPeak(h, rows, cols, classes, label, y, x, score))
                    {
                        continue;
                    }

                    var at = (y * cols + x) * 4;
                    double cx = x * stride, cy = y * stride;
                    var box = new Rect2d(cx - e[at], cy - e[at + 1], e[at] + e[at + 2], e[at + 1] + e[at + 3]);
                    found.Add(new DetectedObject(box, cls, score));
                }
            }
        }

        return Suppress(found, 0.6);
    }

    private static bool IsPeak(ReadOnlySpan<float> heat, int rows, int cols, int classes, int label, int y, int x, float score)
    {
        for (var dy = -1; dy <= 1; dy++)
        {
            for (var dx = -1; dx <= 1; dx++)
            {
                var (ny, nx) = (y + dy, x + dx);
                if ((dy != 0 || dx != 0) && ny >= 0 && ny < rows && nx >= 0 && nx < cols && heat[(ny * cols + nx) * classes + label] > score)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private List<DetectedObject> Yolo(IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results, float minConfidence)
    {
        var output = results[0].AsTensor<float>();
        var (a, b) = (output.Dimensions[1], output.Dimensions[2]);
        // [1, 4 + K, N] (channels first, the usual export) or [1, N, 4 + K]: the smaller dimension holds box and classes.
        var channelsFirst = a < b;
        var count = channelsFirst ? b : a;
        var width = channelsFirst ? a : b;
        float At(int box, int channel) => channelsFirst ? output[0, channel, box] : output[0, box, channel];
        var found = new List<DetectedObject>();
        for (var i = 0; i < count; i++)
        {
            foreach (var (label, cls) in _model.Classes)
            {
                if (4 + label >= width)
                {
                    continue;
                }

                var score = At(i, 4 + label);
                if (score >= minConfidence)
                {
                    float cx = At(i, 0), cy = At(i, 1), w = At(i, 2), h = At(i, 3);
                    found.Add(new DetectedObject(new Rect2d(cx - w / 2, cy - h / 2, w, h), cls, score));
                }
            }
        }

        return Suppress(found, 0.5);
    }

    /// <summary>
    /// Non-maximum suppression: of boxes overlapping by more than <paramref name="iou"/>, the most confident stays.
    /// Vehicle classes suppress each other (a van seen as both car and truck is one object); a person never suppresses
    /// a vehicle or a bicycle, nor the reverse.
    /// </summary>
    public static List<DetectedObject> Suppress(List<DetectedObject> detections, double iou)
    {
        var kept = new List<DetectedObject>();
        foreach (var d in detections.OrderByDescending(d => d.Confidence))
        {
            if (!kept.Any(k => Family(k.Class) == Family(d.Class) && Overlap(k.Box, d.Box) > iou))
            {
                kept.Add(d);
            }
        }

        return kept;
    }

    /// <summary>People, vehicles and two-wheelers (with their riders) are told apart, never merged.</summary>
    internal static int Family(ObjectClass c) => c is ObjectClass.Bicycle or ObjectClass.Motorcycle ? 3 : c.IsVehicle() ? 2 : 1;

    public static double Overlap(Rect2d a, Rect2d b)
    {
        var i = a & b;
        var inter = i.Width > 0 && i.Height > 0 ? i.Width * i.Height : 0;
        var union = a.Width * a.Height + b.Width * b.Height - inter;
        return union <= 0 ? 0 : inter / union;
    }

    private static Rect2d Scale(Rect2d r, double s) => new(r.X * s, r.Y * s, r.Width * s, r.Height * s);
}
