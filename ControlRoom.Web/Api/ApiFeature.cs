using CityControl.Web.Devices;

namespace CityControl.Web.Api;

/// <summary>The operators' and admins' HTTP API: devices (onboarding, import, administration) and incidents.</summary>
public static class ApiFeature
{
    public static WebApplicationBuilder AddControlRoomApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<DeviceImporter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapControlRoomApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapDeviceEndpoints();
        app.MapIncidentEndpoints();
        app.MapAlarmRateEndpoints();
        return app;
    }
}
