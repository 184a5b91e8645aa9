using System.Globalization;

namespace CityControl.Testing;

/// <summary>Reads a Prometheus text exposition (what <c>/metrics</c> answers) the way a scraper would.</summary>
public static class PrometheusText
{
    /// <summary>
    /// The sum of a metric's samples (<c>name</c> or <c>name{labels}</c>) whose labels contain every one of
    /// <paramref name="labels"/> (<c>key="value"</c>); null when no sample matches.
    /// </summary>
    public static double? Sum(string text, string name, params string[] labels)
    {
        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{'))
            {
                continue; // another metric whose name starts with this one
            }

            var labelText = rest[0] == '{' ? rest[1..rest.IndexOf('}', StringComparison.Ordinal)] : "";
            if (!labels.All(l => labelText.Split(',').Contains(l)))
            {
                continue;
            }

            var value = rest[(rest.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            sum = (sum ?? 0) + double.Parse(value, CultureInfo.InvariantCulture);
        }

        return sum;
    }
}
