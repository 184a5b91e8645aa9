using CityControl.ServiceDefaults;
using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CityControl.Devices;
using CityControl.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace CityControl.Silo;

public static class SiloConfiguration
{
    /// <summary>Configures a CityControl silo: clustering, grain state, reminders and the event streams, on Azure Storage or in memory.</summary>
    public static ISiloBuilder ConfigureCityControl(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = Bind<StorageOptions>(configuration, StorageOptions.Section);
        var siloOptions = Bind<SiloOptions>(configuration, SiloOptions.Section);

        silo.AddCityControlRuntime(configuration);
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
        }
        else
        {
            silo.ConfigureEndpoints(IPAddress.Parse(siloOptions.AdvertisedAddress), siloOptions.SiloPort, siloOptions.GatewayPort, listenOnAnyHostAddress: false);
            var tables = new TableServiceClient(storage.ConnectionString);
            var blobs = new BlobServiceClient(storage.ConnectionString);
            silo.UseAzureStorageClustering(o => o.TableServiceClient = tables);
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
            silo.UseAzureTableReminderService(o => o.TableServiceClient = tables);
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

        // Events are few but wanted on screens at once: poll the stream queues every 20 ms rather than the default 100 ms.
        silo.AddMemoryStreams(StreamNames.Provider, streams =>
            streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(20))));
        return silo;
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
