using CityControl.ServiceDefaults;
using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using CityControl.Devices;
using CityControl.Grains.Hosting;
using CityControl.Storage.History;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace CityControl.Silo;

public static class SiloConfiguration
{
    /// <summary>Configures a CityControl silo: clustering, grain state, reminders and the event streams, on Azure Storage or in memory.</summary>
    public static ISiloBuilder ConfigureCityControl(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = Bind<StorageOptions>(configuration, StorageOptions.Section);
        var siloOptions = Bind<SiloOptions>(configuration, SiloOptions.Section);
        var streams = Bind<StreamOptions>(configuration, StreamOptions.Section);

        silo.Services.AddCityControlGrainServices(configuration);
        if (ClusterDashboardOptions.IsEnabled(configuration))
        {
            // Each silo reports its figures to the dashboard that front ends serve to admins.
            silo.AddDashboard();
        }

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = siloOptions.ClusterId;
            o.ServiceId = siloOptions.ServiceId;
        });

        if (storage.Mode == StorageMode.Memory)
        {
            silo.UseLocalhostClustering(siloOptions.SiloPort, siloOptions.GatewayPort, serviceId: siloOptions.ServiceId, clusterId: siloOptions.ClusterId);
            silo.AddMemoryGrainStorage(StorageNames.GrainState);
            silo.AddMemoryGrainStorage(StorageNames.PubSub);
            silo.UseInMemoryReminderService();
            silo.AddMemoryEventStreams(streams.PollInterval);
        }
        else
        {
            silo.ConfigureEndpoints(IPAddress.Parse(siloOptions.AdvertisedAddress), siloOptions.SiloPort, siloOptions.GatewayPort, listenOnAnyHostAddress: false);
            if (siloOptions.Kubernetes)
            {
                silo.UseKubernetesHosting();
            }

            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = siloOptions.ProbeTimeout;
                o.NumMissedProbesLimit = siloOptions.MissedProbesLimit;
            });
            var tables = new TableServiceClient(storage.ConnectionString);
            var blobs = new BlobServiceClient(storage.ConnectionString);
            silo.UseAzureStorageClustering(o => o.TableServiceClient = tables);
            if (storage.GrainStateInMemory)
            {
                silo.AddMemoryGrainStorage(StorageNames.GrainState);
                silo.AddMemoryGrainStorage(StorageNames.PubSub);
            }
            else
            {
                silo.AddAzureBlobGrainStorage(StorageNames.GrainState, o =>
                {
                    o.BlobServiceClient = blobs;
                    o.ContainerName = StorageNames.GrainStateContainer;
                });
                silo.AddAzureBlobGrainStorage(StorageNames.PubSub, o =>
                {
                    o.BlobServiceClient = blobs;
                    o.ContainerName = StorageNames.PubSubContainer;
                });
                silo.Services.AddSingleton<IReadingHistoryStore>(new BlobReadingHistoryStore(blobs, StorageNames.HistoryContainer));
            }
            silo.UseAzureTableReminderService(o => o.TableServiceClient = tables);
            if (streams.Transport == StreamTransport.Memory)
            {
                silo.AddMemoryEventStreams(streams.PollInterval);
            }
            else
            {
                // Each silo reads its share of the queues; a message is deleted only once delivered, so the events a
                // crashed silo had read but not delivered reappear for the silo that takes its queues over.
                var queues = new QueueServiceClient(storage.ConnectionString);
                var prefix = QueuePrefix(siloOptions.ClusterId);
                silo.AddAzureQueueStreams(StreamNames.Provider, (SiloAzureQueueStreamConfigurator s) =>
                {
                    s.ConfigureAzureQueue(o => o.Configure(q =>
                    {
                        q.QueueServiceClient = queues;
                        q.QueueNames = [.. Enumerable.Range(0, streams.QueueCount).Select(i => $"{prefix}-events-{i}")];
                    }));
                    s.ConfigurePullingAgent(o => o.Configure(a => a.GetQueueMsgsTimerPeriod = streams.QueuePollInterval));
                });
            }
        }

        return silo;
    }

    /// <summary>
    /// What every CityControl silo runs whatever its storage: the grains' services and options, and the event streams.
    /// The in-process test cluster uses this too, with its own storage and clustering.
    /// </summary>
    public static ISiloBuilder AddCityControlRuntime(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddCityControlGrainServices(configuration);
        return silo.AddMemoryEventStreams(Bind<StreamOptions>(configuration, StreamOptions.Section).PollInterval);
    }

    /// <summary>Events are few but wanted on screens at once: the stream queues are read every <paramref name="poll"/> (20 ms by default, not Orleans' 100 ms).</summary>
    private static ISiloBuilder AddMemoryEventStreams(this ISiloBuilder silo, TimeSpan poll) =>
        silo.AddMemoryStreams(StreamNames.Provider, streams =>
            streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = poll)));

    /// <summary>Queue names are lower-case letters, digits and single hyphens: the cluster id made so (clusters sharing an account keep their own queues).</summary>
    private static string QueuePrefix(string clusterId)
    {
        var name = new string([.. clusterId.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        while (name.Contains("--", StringComparison.Ordinal))
        {
            name = name.Replace("--", "-", StringComparison.Ordinal);
        }

        return name.Length is >= 1 and <= 40 ? name : "citycontrol";
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = configuration.GetSection(section).Get<T>() ?? new T();
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true))
        {
            throw new OptionsValidationException(section, typeof(T), results.Select(r => $"{section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }

        return options;
    }
}
