using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;

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
        ["incident.opened"] = "{0}, {1}, {2} (priority {3}, for {4})",
        ["incident.openedAs"] = "{0} (priority {1}, for {2})",
        ["incident.alarmsLinked"] = "{0} alarms from {1} devices linked so far",
        ["incident.leakConfirmed"] = "{0} sensor(s) in alarm",
        ["incident.raisedBy"] = "{0} -> {1} by {2}",
        ["incident.escalatedMinutes"] = "{0} -> {1}: not acknowledged for {2} min",
        ["incident.escalatedSeconds"] = "{0} -> {1}: not acknowledged for {2} s",
        ["incident.escalationHeld"] = "{0} kept: its alarms are shelved until {1}; the wait counts again after",
        ["incident.capSent"] = "{0} sent {1}",
        ["incident.grantsEnded"] = "{0} camera grant(s) of {1} end with the incident",
        ["flood.closingDanger"] = "{0}: {1} is at the danger level ({2} m) ({*})",
        ["flood.closingSoon"] = "{0}: {1} rising {2} m/h reaches the danger level in about {3} min (the car park closes {4} min ahead) ({*})",
        ["flood.incidentOpened"] = "incident opened",
        ["flood.camerasAttached"] = "{0} watch {1}",
        ["flood.noCarPark"] = "no car park is registered for {0} in {1}: barriers and subscribers are not driven",
        ["flood.insideUnknown"] = "no entrance camera has counted a vehicle and nobody has set the number: check the car park by eye",
        ["flood.droveIn"] = "drove in after the closing: {*}",
        ["flood.setBy"] = "set by {0} after a look: {*}",
        ["carPark.count"] = "{0} vehicles inside by the entrance count ({1} in, {2} out since {3}, from {4}{*})",
        ["carPark.countOne"] = "1 vehicle inside by the entrance count ({1} in, {2} out since {3}, from {4}{*})",
        ["carPark.corrections"] = "; {0} counted out of an empty car park",
        ["notify.none"] = "no subscribers registered",
        ["notify.sent"] = "{0} of {1} sent by SMS{*}",
        ["notify.notSent"] = "; not sent: {0}",
        ["hazard.calledIn"] = "leak called in",
        ["hazard.leakConfirmed"] = "leak confirmed",
        ["hazard.restarted"] = "restarted",
        ["hazard.detectorsConfirm"] = "detectors confirm",
        ["hazard.windReported"] = "{0} reported wind {1} m/s from {2}°",
        ["hazard.changeReported"] = "{0} reported a change",
        ["hazard.gasNow"] = "{0} now {1}",
        ["hazard.gasChanged"] = "{0} now changed",
        ["hazard.noGas"] = "the gas is not in {0} (not toxic by inhalation): the incident's procedure applies",
        ["hazard.notToxic"] = "{0} is not in {1} (not toxic by inhalation): the incident's procedure applies",
        ["hazard.zone"] = "version {0} ({*}): {1}{2}",
        ["hazard.camerasLook"] = "{0} look at the zone{*}",
        ["hazard.camerasLeftToo"] = "; {0} no longer do",
        ["hazard.camerasLeft"] = "{0} no longer do",
        ["hazard.noFireUnit"] = "no fire unit is available on the roster",
        ["hazard.fireUnits"] = "{0}",
        ["hazard.warningInside"] = "message {0} ({1}, inside the zone): {2}",
        ["hazard.warningNear"] = "message {0} ({1}, {2} m from its edge): {3}",
        ["hazard.outOfReach"] = "out of reach of hazard zone {0}: {1}",
        ["hazard.playing"] = "message {0} reported playing",
        ["incident.openedBy"] = "Opened by {0} on {1}: {*}",
        ["incident.alarmOn"] = "{0}: {*}",
        ["device.changedBy"] = "changed by {0}",
        ["device.lifecycleBy"] = "{0} -> {1} by {2}",
        ["device.activeOnFirstReading"] = "{0} -> {1} on first reading",
        ["device.lastWill"] = "its connection was lost without a goodbye at {0} (its Last Will)",
        ["device.noReportSince"] = "no report since {0} (heartbeat {1} s)",
        ["device.neverReported"] = "no report yet (heartbeat {0} s)",
        ["device.reportingAgain"] = "reporting again at {0}",
        ["state.signal"] = "signal {0}{*}",
        ["state.gas"] = "gas {0}{*}",
        ["state.flood"] = "flood {0}{*}",
        ["state.streamUp"] = "stream up{*}",
        ["state.streamLost"] = "stream lost{*}",
        ["state.wind"] = "wind {0} m/s from {1}°{*}",
        ["state.plan"] = "plan {0} for {1}{*}",
        ["state.messageSent"] = "message {0} sent{*}",
        ["state.messagePlaying"] = "message {0} playing{*}",
        ["state.dangerIn"] = "danger level in {0} min at {1} m/h{*}",
        ["state.barrier"] = "barrier {0}{*}",
        ["list.next"] = ", {*}",
        ["text"] = "{0}",
        ["command.barrier"] = "{0} {*}",
        ["command.barrierFor"] = "{0} for incident {1}: {*}",
        ["command.byHand"] = "by hand, {0}",
        ["command.byHandBecause"] = "by hand, {0}: {1}",
        ["command.barrierCommanded"] = "{0} commanded",
        ["command.barrierSince"] = "{0} since {1}",
        ["command.barrierNotYet"] = "{0} commanded, not yet reported",
        ["command.message"] = "message {0} for incident {1}: {2}",
        ["command.messageEnded"] = "message {0} of incident {1} ended",
        ["command.plan"] = "plan {0} for incident {1}: {2}",
        ["command.priority"] = "{0}; priority {1}",
        ["command.priorityOff"] = "{0}; back on its plan",
        ["camera.analyticsChanged"] = "video analytics ({0} zones, {1} masks) changed by {2}",
        ["camera.accessGranted"] = "video access granted to {0} for {1} until {2} by {3}: {4}",
        ["camera.accessRevoked"] = "video access of {0} ({1}) revoked by {2}",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>A phrase of the catalogue (an unknown key is a programming error, caught by the rules' tests).</summary>
    public static Phrase Say(string key, params PhraseArg[] args) => Say(key, null, args);

    public static Phrase Say(string key, Phrase? inner, params PhraseArg[] args) =>
        English.ContainsKey(key) ? new Phrase(key, [.. args.Select(a => a.Encoded)], inner) : throw new ArgumentException($"no phrase '{key}'", nameof(key));

    /// <summary>A word the page translates by its label (<c>condition.floodAlert</c>), with its English.</summary>
    public static PhraseArg Word(string labelKey, string english) => new($"@{labelKey}|{english}");

    /// <summary>
    /// A value of an enum as the word the pages label it by (<c>condition.floodAlert</c> for
    /// <c>AlarmCondition.FloodAlert</c>, as the API writes enums), with its English (the enum's name unless given).
    /// </summary>
    public static PhraseArg Word<TEnum>(string labelPrefix, TEnum value, string? english = null) where TEnum : struct, Enum =>
        Word(LabelOf(labelPrefix, value), english ?? value.ToString());

    /// <summary>The pages' label of an enum's value: its prefix and the value as the API writes it (camelCase).</summary>
    public static string LabelOf<TEnum>(string labelPrefix, TEnum value) where TEnum : struct, Enum =>
        $"{labelPrefix}.{JsonNamingPolicy.CamelCase.ConvertName(value.ToString())}";

    /// <summary>Words as a list ("Police, Fire" on English pages), each translated by its label.</summary>
    public static PhraseArg Words(IEnumerable<(string LabelKey, string English)> words) =>
        new(string.Join(", ", words.Select(w => Word(w.LabelKey, w.English).Encoded)));

    /// <summary>
    /// Parts said one after another, ", " between them ("gas High, flood Alert"): each part's template ends with its
    /// <c>{*}</c>, which says the rest. Null when there are no parts.
    /// </summary>
    public static Phrase? Join(IEnumerable<Phrase> parts)
    {
        Phrase? rest = null;
        foreach (var part in parts.Reverse())
        {
            rest = part with { Inner = rest is null ? null : Say("list.next", rest) };
        }

        return rest;
    }

    /// <summary>A time: the page's clock in every language but English, which writes it in the given format (ISO 8601 by default).</summary>
    public static PhraseArg Time(DateTimeOffset at, string englishFormat = "O") =>
        new($"~{at.ToString("O", CultureInfo.InvariantCulture)}|{at.ToString(englishFormat, CultureInfo.InvariantCulture)}");

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

    private static string ArgInEnglish(string arg) => arg switch
    {
        ['\\', .. var text] => text,
        ['~', .. var time] => time[(time.IndexOf('|', StringComparison.Ordinal) + 1)..],
        ['@', ..] => string.Join(", ", arg.Split(", ").Select(word => word[(word.IndexOf('|', StringComparison.Ordinal) + 1)..])),
        _ => arg,
    };
}

/// <summary>
/// An argument of a <see cref="Phrase"/>: a text (anything a person or device named, kept as given), or a word, list
/// of words or time made by <see cref="Phrases"/>. Encoded, a text that could read as one of those is escaped with a
/// backslash, so a zone a user named "@home" stays "@home".
/// </summary>
public readonly record struct PhraseArg(string Encoded)
{
    public static implicit operator PhraseArg(string text) => new(text is ['@' or '~' or '\\', ..] ? "\\" + text : text);
}
