using System.Buffers.Binary;
using System.Text;

namespace CityControl.Video.Detection;

/// <summary>
/// Writes an ONNX model (the protobuf of onnx.proto: ModelProto, GraphProto, NodeProto, TensorProto) without a
/// protobuf library: the few messages a converted detector needs, with float tensors as raw little-endian data.
/// </summary>
public sealed class OnnxModelBuilder
{
    public const int OpsetVersion = 13;
    private const long IrVersion = 8;

    private readonly List<ProtoWriter> _nodes = [];
    private readonly List<ProtoWriter> _initializers = [];
    private readonly List<ProtoWriter> _inputs = [];
    private readonly List<ProtoWriter> _outputs = [];
    private readonly HashSet<string> _names = [];
    private int _unique;

    /// <summary>A name for an intermediate tensor that no other tensor has.</summary>
    public string Unique(string stem)
    {
        string name;
        do
        {
            name = $"{stem}__{_unique++}";
        }
        while (!_names.Add(name));
        return name;
    }

    public void Input(string name, IReadOnlyList<long> shape) => _inputs.Add(ValueInfo(name, shape));

    public void Output(string name, IReadOnlyList<long> shape) => _outputs.Add(ValueInfo(name, shape));

    public void Initializer(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values)
    {
        var raw = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }

        _initializers.Add(Tensor(name, shape, DataTypeFloat, raw));
    }

    public void Initializer(string name, IReadOnlyList<long> shape, ReadOnlySpan<long> values)
    {
        var raw = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        }

        _initializers.Add(Tensor(name, shape, DataTypeInt64, raw));
    }

    /// <summary>Adds a node; attributes are long, float, string, long[] or float[] values.</summary>
    public void Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params (string Name, object Value)[] attributes)
    {
        var node = new ProtoWriter();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            _names.Add(output);
            node.String(2, output);
        }

        node.String(3, outputs[0]);
        node.String(4, opType);
        foreach (var (name, value) in attributes)
        {
            node.Message(5, Attribute(name, value));
        }

        _nodes.Add(node);
    }

    public byte[] ToBytes(string graphName)
    {
        var graph = new ProtoWriter();
        foreach (var node in _nodes)
        {
            graph.Message(1, node);
        }

        graph.String(2, graphName);
        foreach (var initializer in _initializers)
        {
            graph.Message(5, initializer);
        }

        foreach (var input in _inputs)
        {
            graph.Message(11, input);
        }

        foreach (var output in _outputs)
        {
            graph.Message(12, output);
        }

        var opset = new ProtoWriter();
        opset.String(1, "");
        opset.Varint(2, OpsetVersion);
        var model = new ProtoWriter();
        model.Varint(1, IrVersion);
        model.String(2, "CityControl.VideoAnalytics");
        model.Message(7, graph);
        model.Message(8, opset);
        return model.ToArray();
    }

    private const int DataTypeFloat = 1;
    private const int DataTypeInt64 = 7;

    private static ProtoWriter Tensor(string name, IReadOnlyList<long> shape, int dataType, byte[] raw)
    {
        var tensor = new ProtoWriter();
        foreach (var dim in shape)
        {
            tensor.Varint(1, dim);
        }

        tensor.Varint(2, dataType);
        tensor.String(8, name);
        tensor.Bytes(9, raw);
        return tensor;
    }

    private static ProtoWriter ValueInfo(string name, IReadOnlyList<long> shape)
    {
        var dims = new ProtoWriter();
        foreach (var size in shape)
        {
            var dim = new ProtoWriter();
            dim.Varint(1, size);
            dims.Message(1, dim);
        }

        var tensorType = new ProtoWriter();
        tensorType.Varint(1, DataTypeFloat);
        tensorType.Message(2, dims);
        var type = new ProtoWriter();
        type.Message(1, tensorType);
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }

    private static ProtoWriter Attribute(string name, object value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        switch (value)
        {
            case float f:
                attribute.Float(2, f);
                attribute.Varint(20, 1);
                break;
            case long or int:
                attribute.Varint(3, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                attribute.Varint(20, 2);
                break;
            case string s:
                attribute.String(4, s);
                attribute.Varint(20, 3);
                break;
            case float[] floats:
                foreach (var f in floats)
                {
                    attribute.Float(7, f);
                }

                attribute.Varint(20, 6);
                break;
            case long[] ints:
                foreach (var i in ints)
                {
                    attribute.Varint(8, i);
                }

                attribute.Varint(20, 7);
                break;
            default:
                throw new ArgumentException($"Attribute {name}: {value.GetType().Name} is not an ONNX attribute type.", nameof(value));
        }

        return attribute;
    }

    /// <summary>Protocol-buffer wire format: varints, 32-bit floats and length-delimited fields.</summary>
    private sealed class ProtoWriter
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();

        public void Varint(int field, long value)
        {
            Tag(field, 0);
            Raw((ulong)value);
        }

        public void Float(int field, float value)
        {
            Tag(field, 5);
            BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
            _buffer.Advance(4);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Bytes(int field, ReadOnlySpan<byte> value)
        {
            Tag(field, 2);
            Raw((ulong)value.Length);
            value.CopyTo(_buffer.GetSpan(value.Length));
            _buffer.Advance(value.Length);
        }

        public void Message(int field, ProtoWriter message) => Bytes(field, message._buffer.WrittenSpan);

        public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

        private void Tag(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                Byte((byte)(value | 0x80));
                value >>= 7;
            }

            Byte((byte)value);
        }

        private void Byte(byte value)
        {
            _buffer.GetSpan(1)[0] = value;
            _buffer.Advance(1);
        }
    }
}
