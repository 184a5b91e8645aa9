using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace CityControl.Rules;

/// <summary>
/// The English of every <see cref="Phrase"/> the platform says: one template per key. The stored English text (CAP,
/// SMS, logs, English pages) is rendered from here; the pages get the same templates as labels <c>phrase.{key}</c>, and
/// every other language translates each of them (the labels test checks that none is missing).
/// </summary>
public static class Phrases
{
    public static readonly FrozenDictionary<string, string> English = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["alarm.offline"] = "no report since {0}",
        ["alarm.online"] = "reporting again",
        ["alarm.gasLow"] = "{0} {1} {2} at or above Low {3} {2}",
        ["alarm.gasHigh"] = "{0} {1} {2} at or above High {3} {2}",
        ["alarm.gasTwa"] = "8-hour TWA {0} {1} at or above {2} {1}",
        ["alarm.gasStel"] = "15-minute STEL {0} {1} at or above {2} {1}",
        ["alarm.aboveRange"] = "reading {0} {1} above the sensor's range of {2} {1}",
        ["alarm.belowZero"] = "reading {0} {1} below zero",
        ["alarm.gasRising"] = "{0} rising {1} {2}/min",
        ["alarm.floodAlert"] = "water {0} m at or above the alert level {1} m",
        ["alarm.floodDanger"] = "water {0} m at or above the danger level {1} m",
        ["alarm.floodRising"] = "water rising {0} m/h",
        ["alarm.stuckPhase"] = "phase {0} unchanged for {1} s",
        ["alarm.flatline"] = "reading stuck at {0} for {1} min",
        ["alarm.signalFlash"] = "controller in flash mode",
        ["alarm.signalFault"] = "controller reports a fault",
        ["alarm.preemption"] = "preemption active",
        ["alarm.streamLost"] = "video stream lost",
        ["alarm.normal"] = "{0} returned to normal",
        ["alarm.momentary"] = "{*} (momentary)",
        ["video.intrusion"] = "{^0} in restricted zone {1}{*}",
        ["video.loitering"] = "{^0} loitering in {1} for {2} s{*}",
        ["video.crowdingPeople"] = "{0} people in {1}",
        ["video.crowdingObjects"] = "{0} objects in {1}",
        ["video.stopped"] = "{^0} stopped in {1} for {2} s{*}",
        ["video.tampering"] = "camera tampering: {0}",
        ["video.confidence"] = ", confidence {0}",
        ["incident.openedBy"] = "Opened by {0} on {1}: {*}",
        ["incident.alarmOn"] = "{0}: {*}",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>A phrase of the catalogue (an unknown key is a programming error, caught by the rules' tests).</summary>
    public static Phrase Say(string key, params string[] args) => Say(key, null, args);

    public static Phrase Say(string key, Phrase? inner, params string[] args) =>
        English.ContainsKey(key) ? new Phrase(key, [.. args], inner) : throw new ArgumentException($"no phrase '{key}'", nameof(key));

    /// <summary>A word the page translates by its label (<c>condition.floodAlert</c>), with its English.</summary>
    public static string Word(string labelKey, string english) => $"@{labelKey}|{english}";

    /// <summary>A number as the platform writes it everywhere: invariant, at most three decimals.</summary>
    public static string Number(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "-";

    /// <summary>The phrase in English.</summary>
    public static string InEnglish(Phrase phrase)
    {
        var template = English[phrase.Key];
        var text = new StringBuilder(template.Length + 32);
        for (var i = 0; i < template.Length; i++)
        {
            var close = template[i] == '{' ? template.IndexOf('}', i) : -1;
            if (close < 0)
            {
                text.Append(template[i]);
                continue;
            }

            var slot = template.AsSpan(i + 1, close - i - 1);
            i = close;
            if (slot is "*")
            {
                text.Append(phrase.Inner is { } inner ? InEnglish(inner) : "");
                continue;
            }

            var capital = slot.StartsWith("^");
            var index = int.Parse(capital ? slot[1..] : slot, CultureInfo.InvariantCulture);
            var arg = index < phrase.Args.Length ? ArgInEnglish(phrase.Args[index]) : "";
            text.Append(capital && arg.Length > 0 ? string.Concat(char.ToUpperInvariant(arg[0]).ToString(), arg.AsSpan(1)) : arg);
        }

        return text.ToString();
    }

    private static string ArgInEnglish(string arg) =>
        arg.StartsWith('@') && arg.IndexOf('|') is var bar and > 0 ? arg[(bar + 1)..] : arg;

    /// <summary>Every label key a phrase's words name (for the labels test: each must exist).</summary>
    public static IEnumerable<string> WordLabels(Phrase phrase) =>
        phrase.Args.Where(a => a.StartsWith('@') && a.Contains('|', StringComparison.Ordinal)).Select(a => a[1..a.IndexOf('|', StringComparison.Ordinal)])
            .Concat(phrase.Inner is { } inner ? WordLabels(inner) : []);
}
