using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CityControl.Storage.Audit;

/// <summary>
/// An append-only record of who did what, one JSON object per line. Each writer keeps its own file per day, and every
/// line names the SHA-256 of the line before it in that file (<c>prev</c>), so a line changed or removed afterwards
/// breaks the chain where it was, and a reader says so.
/// </summary>
public interface IAuditTrail
{
    /// <summary>Appends one record; returns once it is stored. The record gets <c>at</c> (if missing) and <c>prev</c>.</summary>
    Task AppendAsync(JsonObject record, CancellationToken cancellationToken);

    /// <summary>The records of the UTC days from <paramref name="from"/> to <paramref name="to"/>, and the files whose chain is broken.</summary>
    Task<AuditRead> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);
}

public sealed record AuditRead(IReadOnlyList<JsonObject> Records, IReadOnlyList<string> BrokenFiles);

/// <summary>The hash chain of one audit file: what each line's <c>prev</c> must be.</summary>
public static class AuditChain
{
    public const string Genesis = "";

    public static string HashOf(string line) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)));

    /// <summary>The line to append after a line whose hash is <paramref name="previous"/>.</summary>
    public static string Line(JsonObject record, string previous, DateTimeOffset now)
    {
        record["at"] ??= now.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        record["prev"] = previous;
        return record.ToJsonString();
    }

    /// <summary>Reads one file's lines; <paramref name="intact"/> is false when a line does not follow the one before it.</summary>
    public static List<JsonObject> Read(string fileText, out bool intact)
    {
        intact = true;
        var records = new List<JsonObject>();
        var previous = Genesis;
        foreach (var line in fileText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonObject? record;
            try
            {
                record = JsonNode.Parse(line) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                record = null;
            }

            if (record is null || record["prev"]?.GetValue<string>() != previous)
            {
                intact = false;
            }

            if (record is not null)
            {
                records.Add(record);
            }

            previous = HashOf(line);
        }

        return records;
    }
}
