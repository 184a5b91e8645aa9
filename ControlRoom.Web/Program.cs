using CityControl.Web.Hosting;
using CityControl.Web.Security;

if (args is ["hash-password", ..])
{
    Console.Write(args.Length > 1 ? "" : "Password: ");
    var password = args.Length > 1 ? args[1] : Console.ReadLine() ?? "";
    Console.WriteLine(UserDirectory.HashPassword(password));
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddCityControlPlatform();
var app = builder.Build();
app.MapCityControlPlatform();
app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
app.Run();

public partial class Program;
