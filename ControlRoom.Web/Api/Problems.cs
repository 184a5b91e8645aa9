using System.Text.Json;
using CityControl.Devices;
using CityControl.Rules.Devices;

namespace CityControl.Web.Api;

/// <summary>Every client error as RFC 9457 problem details that name the field and the rule.</summary>
public static class Problems
{
    public static IResult Validation(IEnumerable<RuleViolation> errors, string title = "The request breaks one or more rules.") =>
        Results.ValidationProblem(
            errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            title: title);

    public static IResult Field(string field, string message, int status = StatusCodes.Status400BadRequest) =>
        Results.Problem(
            title: $"{field}: {message}",
            statusCode: status,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    public static IResult From(DeviceRuleException ex) =>
        ex.Field == "status"
            ? Results.Problem(title: ex.Message, statusCode: StatusCodes.Status409Conflict, extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["status"] = [ex.Message] } })
            : Results.Problem(title: ex.Message, statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [ex.Field ?? "body"] = [ex.Message] } });

    public static IResult NotFound(string what) => Results.Problem(title: $"{what} does not exist.", statusCode: StatusCodes.Status404NotFound);

    public static IResult Conflict(string message) => Results.Problem(title: message, statusCode: StatusCodes.Status409Conflict);

    /// <summary>Reads a JSON body, turning malformed JSON into a 400 that says where it broke.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (request.HasJsonContentType() is false)
        {
            return (null, Field("Content-Type", "must be application/json", StatusCodes.Status415UnsupportedMediaType));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, cancellationToken);
            return value is null ? (null, Field("body", "must be a JSON object")) : (value, null);
        }
        catch (JsonException ex)
        {
            var path = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, Field(path, $"is not valid JSON here (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
        }
    }
}
