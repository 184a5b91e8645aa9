using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CityControl.Web.Hosting;

public static class StartupBanner
{
    public static void Print(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var url = addresses.FirstOrDefault() ?? "(no address)";
        Console.WriteLine();
        Console.WriteLine($"CityControl is up: {url}");
        Console.WriteLine($"  health:  {url}/healthz");
        Console.WriteLine($"  OpenAPI: {url}/openapi/v1.json");
        Console.WriteLine();
    }
}
