using CityControl.ServiceDefaults;
using CityControl.Silo;
using Microsoft.Extensions.Hosting;

// A silo on its own, for running the platform as a cluster with separate web front ends.
var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults("citycontrol-silo");
builder.UseOrleans(silo => silo.ConfigureCityControl(builder.Configuration));
await builder.Build().RunAsync();
