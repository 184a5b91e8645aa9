using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityControl.Web.Hosting;

/// <summary>The JSON of the HTTP API and the hub: camelCase names and enums, nulls left out.</summary>
public static class JsonDefaults
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
