using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityControl.Web.Hosting;

/// <summary>The JSON of the HTTP API and the hub: camelCase names and enums, nulls left out.</summary>
public static class JsonDefaults
{
    /// <summary>The API's JSON options, for what an endpoint serializes itself.</summary>
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        return options;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
