using nietras.SeparatedValues;

namespace CityControl.Web.Devices;

/// <summary>One CSV record and the line it starts on (1-based), as a spreadsheet numbers rows.</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// RFC 4180 records through Sep: comma-separated, fields optionally in double quotes, "" for a quote, line breaks
/// inside quotes; spaces around a field are trimmed, a byte order mark is skipped, and rows may differ in length (the
/// importer reports a row with more cells than the header has columns).
/// </summary>
public static class CsvRecords
{
    public static IEnumerable<CsvRecord> Read(string text)
    {
        if (text.Length == 0)
        {
            yield break;
        }

        using var reader = Sep.New(',').Reader(o => o with
        {
            HasHeader = false,
            DisableColCountCheck = true,
            Unescape = true,
            Trim = SepTrim.All,
        }).FromText(text[0] == '\uFEFF' ? text[1..] : text);

        foreach (var row in reader)
        {
            var fields = new string[row.ColCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = row[i].ToString();
            }

            yield return new CsvRecord(row.LineNumberFrom, fields);
        }
    }
}
