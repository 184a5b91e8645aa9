using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityControl.Web.Ingest;

/// <summary>One JSON line per accepted batch: newline-delimited JSON that people and tools can read.</summary>
public static class JournalFormat
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static byte[] ToLine(JournalEntry entry)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(entry, Options);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>Parses a segment; a torn last line (a crash mid-append never acknowledged) is skipped.</summary>
    public static IEnumerable<JournalEntry> Parse(byte[] segment)
    {
        var text = Encoding.UTF8.GetString(segment);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JournalEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize<JournalEntry>(line, Options);
            }
            catch (JsonException)
            {
                continue;
            }

            if (entry is not null)
            {
                yield return entry;
            }
        }
    }
}
