using CityControl.Web.Hosting;

namespace CityControl.Web.Demo;

/// <summary>The demo city: onboarded at start-up and fed plausible readings, when configured.</summary>
public static class DemoFeature
{
    public static WebApplicationBuilder AddDemoCity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.Section));

        // After the journal's replay (registered before): seed, then simulate.
        builder.Services.AddHostedService<DemoCitySeeder>();
        builder.Services.AddHostedService<DemoCitySimulator>();
        return builder;
    }
}
