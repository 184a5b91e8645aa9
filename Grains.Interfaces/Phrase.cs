using System.Collections.Immutable;

namespace CityControl;

/// <summary>
/// A sentence the platform says to people (an alarm's message, an incident's opening), kept as a key and its arguments
/// so that each page says it in its own language; the English text stored beside it is rendered from the same key
/// (<c>CityControl.Rules.Phrases</c>). In a template, <c>{0}</c> is an argument, <c>{^0}</c> the same with a capital
/// first letter, and <c>{*}</c> the <see cref="Inner"/> phrase (nothing when there is none). An argument written
/// <c>@label.key|English</c> is a word the page translates by its label (several, joined by ", ", a list of them),
/// <c>~</c> and an ISO 8601 time a time the page writes on its clock, and one starting with a backslash the text after it.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.phrase.v1")]
public sealed record class Phrase(
    [property: Id(0)] string Key,
    [property: Id(1)] ImmutableArray<string> Args,
    [property: Id(2)] Phrase? Inner = null);
