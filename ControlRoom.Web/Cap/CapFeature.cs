using CityControl.Web.Api;

namespace CityControl.Web.Cap;

/// <summary>OASIS CAP 1.2 export of incidents and safe import of external alerts.</summary>
public static class CapFeature
{
    public static WebApplicationBuilder AddCap(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CapOptions>().Bind(builder.Configuration.GetSection(CapOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Sender) && !o.Sender.Contains(' ', StringComparison.Ordinal) && !o.Sender.Contains(',', StringComparison.Ordinal), "CityControl:Cap:Sender must be a non-empty name without spaces or commas (CAP 1.2)")
            .ValidateOnStart();
        return builder;
    }

    public static IEndpointRouteBuilder MapCap(this IEndpointRouteBuilder app) => app.MapCapEndpoints();
}
