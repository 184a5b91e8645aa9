using CityControl.Web.Hosting.Composition;

namespace CityControl.Web.Hosting;

/// <summary>Builds the platform host; the program and the tests start it the same way.</summary>
public static class PlatformApp
{
    /// <param name="configure">Services registered before the platform's own (a test's clock), which then keep them.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(PlatformApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // Serve wwwroot from the build output's static web assets manifest in every environment (a no-op once
        // published, where wwwroot sits beside the app), so ./run.sh and the tests serve the same pages.
        builder.WebHost.UseStaticWebAssets();
        configure?.Invoke(builder);
        builder.AddCityControlPlatform();
        var app = builder.Build();
        app.MapCityControlPlatform();
        return app;
    }
}
