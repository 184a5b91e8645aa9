namespace CityControl.Web.Ingest.Mqtt;

/// <summary>
/// A connection's incoming bytes, with MQTT's framing read as they pass: a packet whose fixed header declares more
/// than the limit ends the connection before anyone allocates its body. MQTTnet's reader allocates the declared
/// remaining length (up to 256 MiB) as soon as it has read the header, even before CONNECT is authenticated, so a few
/// hostile connections could otherwise take gigabytes. The connection then reads as closed (as a dropped client would):
/// the session ends and a connected device's Last Will is published.
/// </summary>
internal sealed class PacketLimitStream(Stream inner, int maxPacketBytes, Action<long> refused) : Stream
{
    private enum Part
    {
        FixedHeader,
        RemainingLength,
        Body,
    }

    private Part _part = Part.FixedHeader;
    private long _length;
    private int _lengthBytes;
    private long _bodyLeft;
    private bool _closed;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_closed)
        {
            return 0;
        }

        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Deliverable(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_closed)
        {
            return 0;
        }

        var read = inner.Read(buffer, offset, count);
        return Deliverable(buffer.AsSpan(offset, read));
    }

    /// <summary>
    /// Follows the framing through these bytes: all of them when every packet is within the limit; otherwise those
    /// before the refused packet, and the connection reads as closed from then on.
    /// </summary>
    private int Deliverable(ReadOnlySpan<byte> bytes)
    {
        var packetStart = 0; // where the packet being read began in these bytes (0 when in an earlier read)
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_part)
            {
                case Part.FixedHeader:
                    packetStart = i;
                    _part = Part.RemainingLength;
                    _length = 0;
                    _lengthBytes = 0;
                    i++;
                    break;
                case Part.RemainingLength:
                    var b = bytes[i++];
                    _length |= (long)(b & 0x7F) << (7 * _lengthBytes);
                    _lengthBytes++;
                    if ((b & 0x80) != 0)
                    {
                        if (_lengthBytes == 4)
                        {
                            // A fifth length byte is malformed (MQTT 2.2.3); MQTTnet would refuse it as well.
                            return Refuse(-1, packetStart);
                        }

                        break;
                    }

                    var packet = 1 + _lengthBytes + _length;
                    if (packet > maxPacketBytes)
                    {
                        return Refuse(packet, packetStart);
                    }

                    _bodyLeft = _length;
                    _part = _length == 0 ? Part.FixedHeader : Part.Body;
                    break;
                default:
                    var skip = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    i += skip;
                    _bodyLeft -= skip;
                    if (_bodyLeft == 0)
                    {
                        _part = Part.FixedHeader;
                    }

                    break;
            }
        }

        return bytes.Length;
    }

    private int Refuse(long declared, int packetStart)
    {
        _closed = true;
        refused(declared);
        return packetStart;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
