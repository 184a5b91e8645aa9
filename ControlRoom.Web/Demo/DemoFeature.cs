using CityControl.Rules.Video;
using Microsoft.Extensions.Options;
using CityControl.Web.Hosting;

namespace CityControl.Web.Demo;

/// <summary>The demo city: onboarded at start-up and fed plausible readings, when configured.</summary>
public static class DemoFeature
{
    public static WebApplicationBuilder AddDemoCity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.Section));

        // The demo cameras play the public clips: their folder is one that camera sources may read.
        builder.Services.AddOptions<CameraSourceOptions>().Configure<IOptions<DemoOptions>>((sources, demo) =>
        {
            if (demo.Value.VideoFolder is { Length: > 0 } folder)
            {
                sources.FileFolders.Add(folder);
            }
        });

        // After the journal's replay (registered before): seed, then simulate.
        builder.Services.AddHostedService<DemoCitySeeder>();
        builder.Services.AddHostedService<DemoCitySimulator>();
        return builder;
    }
}
