using CityControl.ServiceDefaults;
using CityControl.Silo;

// A silo on its own, for running the platform as a cluster with separate web front ends and video workers. Its HTTP
// port (--urls) serves health (/healthz) and metrics (/metrics) only.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults("citycontrol-silo");
builder.UseOrleans(silo => silo.ConfigureCityControl(builder.Configuration));
builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("orleans");
var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
