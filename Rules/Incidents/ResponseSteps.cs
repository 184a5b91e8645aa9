using CityControl.Incidents;

namespace CityControl.Rules.Incidents;

/// <summary>Steps of a response (flood model, hazard model) for an incident's timeline.</summary>
public static class ResponseSteps
{
    /// <summary>A step whose detail is a phrase, with its English beside it.</summary>
    public static ResponseStep Saying(string actor, string action, Phrase said, DateTimeOffset at) => new(actor, action, Phrases.InEnglish(said), at, said);
}
