using CityControl.Alarms;
using CityControl.Devices;
using CityControl.Rules;
using CityControl.Rules.Alarms;
using CityControl.Rules.Devices;
using CityControl.Rules.Incidents;

namespace CityControl.Tests.Domain;

/// <summary>What the platform says as phrases: the stored English is the phrase's, and each page can say it again.</summary>
public sealed class PhrasesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private static readonly DeviceDefinition Gauge = new(
        "gauge-1", DeviceKind.FloodSensor, "Riverside car park gauge", new GeoPoint(37.52, 126.93), "Yeongdeungpo", "parking-1", TimeSpan.FromHours(1),
        FloodSensor: new FloodSensorSettings(0, 0.3, 0.6));

    [Fact]
    public void A_raised_alarm_says_its_message_as_a_phrase_whose_English_is_the_message_and_its_clearing_names_the_condition_as_a_word()
    {
        var state = new AlarmRuleState();

        var raised = AlarmRules.Apply(Gauge, state, new Reading(T0, MetricCatalog.WaterLevel, 0.45, "m"));
        var cleared = AlarmRules.Apply(Gauge, state, new Reading(T0.AddMinutes(1), MetricCatalog.WaterLevel, 0.1, "m"));

        var alert = Assert.Single(raised);
        Assert.Equal("water 0.45 m at or above the alert level 0.3 m", alert.Message);
        Assert.Equal("alarm.floodAlert", alert.Text!.Key);
        Assert.Equal(["0.45", "0.3"], alert.Text.Args);
        Assert.Equal(alert.Message, Phrases.InEnglish(alert.Text));
        var normal = Assert.Single(cleared);
        Assert.Equal("FloodAlert returned to normal", normal.Message);
        Assert.Equal(["@condition.floodAlert|FloodAlert"], normal.Text!.Args);
    }

    [Fact]
    public void Slots_take_arguments_capitals_words_and_the_inner_phrase_and_an_absent_inner_phrase_leaves_nothing()
    {
        var sure = Phrases.Say("video.confidence", "0.72");
        var seen = Phrases.Say("video.intrusion", sure, Phrases.Word("noun.person", "person"), "hard shoulder");

        Assert.Equal("Person in restricted zone hard shoulder, confidence 0.72", Phrases.InEnglish(seen));
        Assert.Equal("Person in restricted zone hard shoulder", Phrases.InEnglish(seen with { Inner = null }));
        Assert.Equal("Person in restricted zone hard shoulder, confidence 0.72 (momentary)", Phrases.InEnglish(Phrases.Say("alarm.momentary", seen)));
        Assert.Equal(
            "Opened by VideoIntrusion on cam-1: Person in restricted zone hard shoulder, confidence 0.72",
            Phrases.InEnglish(IncidentCatalog.OpenedBy(AlarmCondition.VideoIntrusion, "cam-1", seen)!));
        Assert.Null(IncidentCatalog.OpenedBy(AlarmCondition.VideoIntrusion, "cam-1", null));
        Assert.Throws<ArgumentException>(() => Phrases.Say("alarm.noSuchThing"));
    }

    [Fact]
    public void A_devices_state_is_said_part_by_part_each_word_translatable_and_in_English_as_before()
    {
        var live = new LiveState(GasLevel: GasLevel.High, StreamUp: false, BarrierPosition: BarrierPosition.Closed,
            Wind: new WindState(3.46, 270), MinutesToDanger: 12.4, FloodRisePerHour: 0.257);

        var said = LiveStateRules.Said(live)!;

        Assert.Equal("gas High, stream lost, wind 3.5 m/s from 270°, danger level in 12 min at 0.26 m/h, barrier closed", Phrases.InEnglish(said));
        Assert.Equal(("state.gas", "@gasLevel.high|High"), (said.Key, said.Args[0]));
        Assert.Equal("list.next", said.Inner!.Key);
        Assert.Equal("@barrier.closed|closed", Flatten(said).Last().Args[0]);
        Assert.Null(LiveStateRules.Said(new LiveState()));
        Assert.Null(Phrases.Join([]));
        Assert.Equal("stream up", Phrases.InEnglish(Phrases.Join([Phrases.Say("state.streamUp")])!));

        static IEnumerable<Phrase> Flatten(Phrase? phrase)
        {
            for (; phrase is not null; phrase = phrase.Inner)
            {
                yield return phrase;
            }
        }
    }

    [Fact]
    public void Every_template_uses_only_well_formed_slots()
    {
        Assert.All(Phrases.English, kv =>
        {
            var slots = System.Text.RegularExpressions.Regex.Matches(kv.Value, @"\{[^}]*\}").Select(m => m.Value);
            Assert.All(slots, slot => Assert.Matches(@"^\{(\*|\^?\d)\}$", slot));
        });
    }

    [Fact]
    public void A_phrase_says_in_English_what_the_platform_wrote_before_phrases_and_a_users_text_that_looks_like_a_word_stays_itself()
    {
        var left = Phrases.Say("hazard.camerasLeftToo", "cam-3");
        Assert.Equal("cam-1, cam-2 look at the zone; cam-3 no longer do", Phrases.InEnglish(Phrases.Say("hazard.camerasLook", left, "cam-1, cam-2")));
        Assert.Equal("message 2 (Siren, 120 m from its edge): Leave the area",
            Phrases.InEnglish(Phrases.Say("hazard.warningNear", "2", Phrases.Word("warningType.siren", "Siren"), "120", "Leave the area")));
        Assert.Equal("3 of 4 sent by SMS; not sent: ***1234 (refused)",
            Phrases.InEnglish(Phrases.Say("notify.sent", Phrases.Say("notify.notSent", "***1234 (refused)"), "3", "4")));
        Assert.Equal("P2 kept: its alarms are shelved until 2026-11-28T09:00:00.0000000+00:00; the wait counts again after",
            Phrases.InEnglish(Phrases.Say("incident.escalationHeld", "P2", Phrases.Time(T0))));

        var odd = Phrases.Say("flood.camerasAttached", "@home", "~cellar|x");
        Assert.Equal(["\\@home", "\\~cellar|x"], odd.Args);
        Assert.Equal("@home watch ~cellar|x", Phrases.InEnglish(odd));
    }
}
