using CityControl.Web.Hosting;
using CityControl.Web.Security;

if (args is ["hash-password", ..])
{
    Console.Write(args.Length > 1 ? "" : "Password: ");
    var password = args.Length > 1 ? args[1] : Console.ReadLine() ?? "";
    Console.WriteLine(UserDirectory.HashPassword(password));
    return;
}

var app = PlatformApp.Build(args);
app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
await app.RunAsync();
