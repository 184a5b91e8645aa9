using CityControl.Web.Ingest.Mqtt;

namespace CityControl.Tests.Api;

/// <summary>
/// The MQTT endpoint's guard over a connection's bytes, with generated traffic (seeded, so a failure repeats): packets
/// of any size up to the limit pass whatever the read sizes; the first packet over it, or a malformed length, ends the
/// connection right after its header, before its body could be allocated.
/// </summary>
public sealed class MqttPacketLimitTests
{
    private const int Limit = 1000;

    private static byte[] Packet(Random random, int remaining)
    {
        var header = new List<byte> { (byte)random.Next(1, 256) };
        var value = remaining;
        do
        {
            var digit = (byte)(value % 128);
            value /= 128;
            header.Add(value > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (value > 0);

        var body = new byte[remaining];
        random.NextBytes(body);
        return [.. header, .. body];
    }

    /// <summary>Everything the guard lets through, read in random-sized pieces, and what it refused.</summary>
    private static async Task<(int Passed, List<long> Refused)> ReadAllAsync(byte[] traffic, Random random)
    {
        var refused = new List<long>();
        await using var guarded = new PacketLimitStream(new MemoryStream(traffic), Limit, refused.Add);
        var passed = 0;
        var buffer = new byte[512];
        while (true)
        {
            var read = await guarded.ReadAsync(buffer.AsMemory(0, random.Next(1, buffer.Length + 1)), TestContext.Current.CancellationToken);
            if (read == 0)
            {
                return (passed, refused);
            }

            passed += read;
        }
    }

    [Fact]
    public async Task Packets_up_to_the_limit_pass_whole_whatever_the_read_sizes()
    {
        var random = new Random(20261127);
        for (var round = 0; round < 50; round++)
        {
            // Sizes from empty to exactly the limit (1 type byte + 2 length bytes + 997), with the varint's edges (127, 128).
            var traffic = Enumerable.Range(0, 40)
                .SelectMany(_ => Packet(random, random.Next(5) switch { 0 => 0, 1 => 127, 2 => 128, 3 => Limit - 3, _ => random.Next(0, Limit - 2) }))
                .ToArray();
            var (passed, refused) = await ReadAllAsync(traffic, random);
            Assert.Empty(refused);
            Assert.Equal(traffic.Length, passed);
        }
    }

    [Fact]
    public async Task The_first_packet_over_the_limit_or_with_a_malformed_length_ends_the_connection_after_its_header()
    {
        var random = new Random(7);
        for (var round = 0; round < 100; round++)
        {
            var before = Enumerable.Range(0, random.Next(0, 10)).SelectMany(_ => Packet(random, random.Next(0, Limit - 2))).ToArray();
            var malformed = round % 5 == 0;
            var oversize = random.Next(2) == 0 ? Limit - 2 : random.Next(Limit - 2, 268_435_456);
            byte[] header = malformed ? [0x30, 0x80, 0x80, 0x80, 0x80] : EncodeHeader(oversize);
            var traffic = before.Concat(header).Concat(new byte[300]).ToArray();

            var (passed, refused) = await ReadAllAsync(traffic, random);
            Assert.Equal(malformed ? -1 : header.Length + oversize, Assert.Single(refused));

            // Every packet before it reaches the reader; of the refused one at most the part of its header read earlier.
            Assert.InRange(passed, before.Length, before.Length + header.Length - 1);
        }
    }

    private static byte[] EncodeHeader(int remaining)
    {
        var header = new List<byte> { 0x30 };
        var value = remaining;
        do
        {
            var digit = (byte)(value % 128);
            value /= 128;
            header.Add(value > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (value > 0);

        return [.. header];
    }
}
