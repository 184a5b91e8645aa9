using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using nietras.SeparatedValues;

namespace CityControl.Rules.Traffic;

/// <summary>
/// One high-resolution controller event, as the Indiana traffic signal hi-resolution data logger enumerations
/// (Sturdevant et al., 2012) define them: a code, its parameter (a phase, a detector channel, a plan) and the
/// controller's local time (tenths of a second).
/// </summary>
public readonly record struct ControllerEvent(DateTime At, int Code, int Parameter);

/// <summary>The Indiana enumerations this platform reads.</summary>
public static class IndianaCodes
{
    public const int PhaseBeginGreen = 1;
    public const int PhaseGapOut = 4;
    public const int PhaseMaxOut = 5;
    public const int PhaseForceOff = 6;
    public const int PhaseGreenTermination = 7;
    public const int PhaseBeginYellow = 8;
    public const int PhaseEndRedClearance = 11;
    public const int PedestrianBeginWalk = 21;
    public const int PedestrianBeginSolidDontWalk = 23;
    public const int DetectorOff = 81;
    public const int DetectorOn = 82;
    public const int CoordPatternChange = 131;

    /// <summary>The largest code and parameter the format can carry (one byte each).</summary>
    public const int Max = 255;
}

/// <summary>A line or record of a log that could not be read, and why.</summary>
public sealed record LogProblem(int Line, string Field, string Rule);

/// <summary>What was read from a log: its events in time order and what could not be read.</summary>
public sealed record ControllerLog(
    ImmutableArray<ControllerEvent> Events,
    ImmutableArray<LogProblem> Problems,
    DateTime? Start = null,
    ImmutableArray<int> PhasesInUse = default)
{
    public const int MaxProblemsListed = 100;
}

/// <summary>
/// Reads controller event logs in the two forms ATSPM deployments hold them: the CSV export
/// (<c>location,timestamp,code,parameter</c>, with or without a header row) and the raw Econolite ASC/3 <c>.dat</c>
/// file (an ASCII header, then 4-byte records: code, parameter, and tenths of a second since the header's start time,
/// big-endian).
/// </summary>
public static class ControllerEventLogReader
{
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "M/d/yyyy H:m:s.FFFFFFF", "M/d/yyyy H:m:s", "yyyy-MM-dd HH:mm:ss",
    ];

    /// <summary>
    /// The CSV export. A first row whose code column is not a number is a header. Rows of another location than the
    /// first are refused (one log, one controller).
    /// </summary>
    public static ControllerLog ReadCsv(string text)
    {
        var events = new List<ControllerEvent>();
        var problems = new List<LogProblem>();
        string? location = null;
        using var reader = Sep.New(',').Reader(o => o with
        {
            HasHeader = false,
            DisableColCountCheck = true,
            Unescape = true,
            Trim = SepTrim.All,
        }).FromText(text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text);

        foreach (var row in reader)
        {
            var line = row.LineNumberFrom;
            if (row.ColCount == 1 && row[0].Span.IsWhiteSpace())
            {
                continue;
            }

            if (row.ColCount != 4)
            {
                problems.Add(new(line, "row", $"has {row.ColCount} columns; a controller event is location,timestamp,code,parameter"));
                continue;
            }

            var codeText = row[2].Span;
            if (location is null && problems.Count == 0 && !int.TryParse(codeText, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                continue; // the header row
            }

            var rowLocation = row[0].ToString();
            location ??= rowLocation;
            if (!string.Equals(rowLocation, location, StringComparison.Ordinal))
            {
                problems.Add(new(line, "location", $"'{Clip(rowLocation)}' is not this log's controller '{Clip(location)}'"));
                continue;
            }

            var timestampText = row[1].ToString();
            if (!DateTime.TryParseExact(timestampText, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            {
                problems.Add(new(line, "timestamp", $"'{Clip(timestampText)}' is not a controller time (e.g. 2023-04-17 08:00:00.1 or 4/17/2023 8:00:0.1)"));
                continue;
            }

            if (!int.TryParse(codeText, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code > IndianaCodes.Max)
            {
                problems.Add(new(line, "code", $"'{Clip(row[2].ToString())}' is not an event code from 0 to {IndianaCodes.Max}"));
                continue;
            }

            if (!int.TryParse(row[3].Span, NumberStyles.None, CultureInfo.InvariantCulture, out var parameter) || parameter > IndianaCodes.Max)
            {
                problems.Add(new(line, "parameter", $"'{Clip(row[3].ToString())}' is not an event parameter from 0 to {IndianaCodes.Max}"));
                continue;
            }

            events.Add(new ControllerEvent(at, code, parameter));
        }

        return new ControllerLog(Ordered(events), [.. problems]);
    }

    /// <summary>
    /// The raw Econolite file: seven header lines (the first 20 characters of the first are the start time, e.g.
    /// <c>2-21-2024 11:15:00.0</c>; the seventh lists the phases in use), then the records.
    /// </summary>
    public static ControllerLog ReadEconolite(ReadOnlySpan<byte> data)
    {
        var header = new List<string>();
        var position = 0;
        while (header.Count < 7)
        {
            var end = data[position..].IndexOf((byte)'\n');
            if (end < 0 || end > 512)
            {
                return new([], [new(header.Count + 1, "header", "is not an Econolite ASC/3 log header (seven text lines before the records)")]);
            }

            header.Add(Encoding.ASCII.GetString(data.Slice(position, end)).TrimEnd('\r'));
            position += end + 1;
        }

        var startText = header[0].Split(',')[0].Trim();
        if (!DateTime.TryParseExact(startText, ["M-d-yyyy HH:mm:ss.F", "M-d-yyyy H:mm:ss.F"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
        {
            return new([], [new(1, "header", $"'{Clip(startText)}' is not the log's start time (e.g. 2-21-2024 11:15:00.0)")]);
        }

        var phases = header[6].Split(',').Skip(2)
            .Select(p => int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var phase) ? phase : 0)
            .Where(p => p > 0).ToImmutableArray();
        var events = new List<ControllerEvent>();
        var records = data[position..];
        for (var i = 0; i + 4 <= records.Length; i += 4)
        {
            var tenths = BinaryPrimitives.ReadUInt16BigEndian(records[(i + 2)..]);
            events.Add(new ControllerEvent(start.AddTicks(tenths * TimeSpan.TicksPerSecond / 10), records[i], records[i + 1]));
        }

        ImmutableArray<LogProblem> problems = records.Length % 4 == 0
            ? []
            : [new(8, "records", $"end with {records.Length % 4} byte(s) that are not a whole 4-byte record")];
        return new ControllerLog(Ordered(events), problems, start, phases);
    }

    /// <summary>Either form, told apart by its first bytes: an Econolite header starts with its start time and "Version".</summary>
    public static ControllerLog Read(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf((byte)'\n');
        var first = end >= 0 ? data[..end] : data;
        return first.IndexOf("Version"u8) >= 0 ? ReadEconolite(data) : ReadCsv(Encoding.UTF8.GetString(data));
    }

    /// <summary>Time order; at equal times, in the order logged (a controller logs a green's end before the next one's start).</summary>
    private static ImmutableArray<ControllerEvent> Ordered(List<ControllerEvent> events) =>
        [.. events.Select((e, i) => (e, i)).OrderBy(x => x.e.At).ThenBy(x => x.i).Select(x => x.e)];

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
