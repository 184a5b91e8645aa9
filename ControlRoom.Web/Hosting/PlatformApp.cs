namespace CityControl.Web.Hosting;

/// <summary>Builds the platform host; the program and the tests start it the same way.</summary>
public static class PlatformApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddCityControlPlatform();
        var app = builder.Build();
        app.MapCityControlPlatform();
        return app;
    }
}
