using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace CityControl.ServiceDefaults;

/// <summary>Where an Orleans client of the platform (a web front end, a video worker) finds the cluster, from <c>CityControl:Silo</c>.</summary>
public sealed class ClusterClientOptions
{
    public const string Section = "CityControl:Silo";

    public string ClusterId { get; set; } = "citycontrol";

    public string ServiceId { get; set; } = "citycontrol";

    /// <summary>The gateway of the one silo on this machine, when storage is in memory (no membership table to read them from).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>How often a client re-reads the silos' gateways from the membership table.</summary>
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromSeconds(5);
}

public static class ClusterClientDefaults
{
    /// <summary>
    /// Makes this host an Orleans client of the platform's cluster: the silos' gateways come from the membership table
    /// in the storage account (so a client follows silos that come and go), or, with storage in memory, from the one
    /// silo's gateway port on loopback. The client keeps trying to connect until the cluster answers, so hosts may
    /// start in any order.
    /// </summary>
    public static IHostApplicationBuilder AddClusterClient(this IHostApplicationBuilder builder, StorageOptions storage, Action<IClientBuilder>? configure = null)
    {
        var options = builder.Configuration.GetSection(ClusterClientOptions.Section).Get<ClusterClientOptions>() ?? new ClusterClientOptions();
        builder.UseOrleansClient(client =>
        {
            if (storage.Mode == StorageMode.Memory)
            {
                client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
            }
            else
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
                client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(storage.ConnectionString));

                // Read the silos from the membership table every few seconds rather than every minute: a client follows
                // a silo's loss (and hears of it) soon after the silos declare it dead.
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = options.GatewayListRefreshPeriod);
            }

            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            });
            configure?.Invoke(client);
        });
        return builder;
    }
}
