using CityControl.Web.Map;

namespace CityControl.Web.Pages;

/// <summary>The control-room pages and what only they read: the map, the traffic view, the labels, the static assets.</summary>
public static class PagesFeature
{
    public static WebApplicationBuilder AddControlRoomPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MapOptions>().Bind(builder.Configuration.GetSection(MapOptions.Section))
            .Validate(o => o.DistrictMarginMeters is > 0 and <= 5000, "CityControl:Map:DistrictMarginMeters must be more than 0 and at most 5000")
            .ValidateOnStart();
        builder.Services.AddSingleton<Basemap>();
        return builder;
    }

    public static IEndpointRouteBuilder MapControlRoomPages(this IEndpointRouteBuilder app)
    {
        app.MapStaticAssets();
        app.MapPageEndpoints();
        app.MapMapEndpoints();
        app.MapTrafficEndpoints();
        app.MapLabelEndpoints();
        app.MapFactsEndpoints();
        return app;
    }
}
