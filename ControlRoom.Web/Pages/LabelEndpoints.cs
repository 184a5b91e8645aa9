using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Resources;

namespace CityControl.Web.Pages;

/// <summary>
/// The pages' labels, from the resource files Resources/Labels.resx (English, the default) and Labels.{culture}.resx
/// (Korean so far), and the English of the platform's phrases (<see cref="Rules.Phrases"/>): a language's labels with
/// English for any it lacks.
/// </summary>
public static class LabelEndpoints
{
    public static readonly IReadOnlyList<string> Languages = ["en", "ko"];

    private static readonly ResourceManager Resources = new("CityControl.Web.Resources.Labels", typeof(LabelEndpoints).Assembly);

    public static IEndpointRouteBuilder MapLabelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/labels", (string? lang) =>
            Languages.Contains(lang ?? "en")
                ? Results.Ok(For(lang ?? "en"))
                : Api.Problems.Field("lang", $"must be one of {string.Join(", ", Languages)}"))
            .AllowAnonymous().WithTags("Pages")
            .Produces<IReadOnlyDictionary<string, string>>()
            .ProducesValidationProblem()
            .WithSummary("The pages' labels in a language (en, the default, or ko), English where a translation is missing.");
        return app;
    }

    /// <summary>The labels of <see cref="Phrase"/> templates: <c>phrase.alarm.floodAlert</c>.</summary>
    public const string PhrasePrefix = "phrase.";

    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> Loaded = new(StringComparer.Ordinal);

    /// <summary>A language's labels, read from the resources once per language.</summary>
    public static IReadOnlyDictionary<string, string> For(string language) => Loaded.GetOrAdd(language, Load);

    private static IReadOnlyDictionary<string, string> Load(string language)
    {
        // The phrases the platform says (alarm messages…) are labels too: their English is the rules' own.
        var labels = new SortedDictionary<string, string>(Rules.Phrases.English.ToDictionary(p => PhrasePrefix + p.Key, p => p.Value), StringComparer.Ordinal);
        foreach (var culture in new[] { CultureInfo.InvariantCulture, CultureInfo.GetCultureInfo(language) }.Distinct())
        {
            if (Resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false) is not { } set)
            {
                continue;
            }

            foreach (DictionaryEntry entry in set)
            {
                labels[(string)entry.Key] = (string)entry.Value!;
            }
        }

        return labels;
    }
}
