using CityControl.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The demo city's field gateway: onboards the demo devices through the public API and sends their readings.
// e.g. dotnet CityControl.Simulator.dll --CityControl:Simulator:Platform=http://127.0.0.1:5080
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
builder.Services.AddOptions<SimulatorOptions>().Bind(builder.Configuration.GetSection(SimulatorOptions.Section));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<DeviceCommands>();
builder.Services.AddHttpClient<FieldGateway>(http => http.Timeout = TimeSpan.FromSeconds(30));
builder.Services.AddHostedService(sp => sp.GetRequiredService<FieldGateway>());
await builder.Build().RunAsync();
