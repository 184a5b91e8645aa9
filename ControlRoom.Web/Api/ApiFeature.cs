using CityControl.Web.Devices;

namespace CityControl.Web.Api;

/// <summary>The operators' and admins' HTTP API: devices (onboarding, import, administration) and incidents.</summary>
public sealed class QueryLimitOptions
{
    public const string Section = "CityControl:Queries";

    /// <summary>Queries that read many grains (lists, histories, the map, the audit trail) each user may make per second...</summary>
    public int RequestsPerSecondPerUser { get; set; } = 20;

    /// <summary>... and in a burst; 0 requests per second turns the limit off.</summary>
    public int BurstPerUser { get; set; } = 60;
}

public static class ApiFeature
{
    /// <summary>The rate-limit policy of expensive queries: a token bucket per signed-in user.</summary>
    public const string QueryRateLimit = "queries";

    public static WebApplicationBuilder AddControlRoomApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<QueryLimitOptions>().Bind(builder.Configuration.GetSection(QueryLimitOptions.Section))
            .Validate(o => o.RequestsPerSecondPerUser >= 0 && o.BurstPerUser >= o.RequestsPerSecondPerUser && (o.RequestsPerSecondPerUser == 0 || o.BurstPerUser >= 1),
                "CityControl:Queries: RequestsPerSecondPerUser must not be negative and BurstPerUser at least as many")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(limits => limits.AddPolicy(QueryRateLimit, context =>
        {
            var o = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueryLimitOptions>>().Value;
            var user = context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "anonymous";
            return o.RequestsPerSecondPerUser == 0
                ? System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter(user)
                : System.Threading.RateLimiting.RateLimitPartition.GetTokenBucketLimiter(user, _ => new System.Threading.RateLimiting.TokenBucketRateLimiterOptions
                {
                    TokenLimit = o.BurstPerUser,
                    TokensPerPeriod = o.RequestsPerSecondPerUser,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
        }));
        builder.Services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer(OpenApiConventions.AddSecuritySchemes);
            o.AddOperationTransformer(OpenApiConventions.AddSecurityRequirements);
        });
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<DeviceImporter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapControlRoomApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapDeviceEndpoints();
        app.MapIncidentEndpoints();
        app.MapCarParkEndpoints();
        app.MapDeviceAnnouncementEndpoints();
        app.MapUnitEndpoints();
        app.MapAlarmRateEndpoints();
        return app;
    }
}
