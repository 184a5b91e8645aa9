using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CityControl.Incidents;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Web.Hosting;
using CityControl.Web.Live;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CityControl.Tests.Infrastructure;

/// <summary>A control-room client: snapshot first, then numbered batches, kept in order per group.</summary>
public sealed class LiveClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentDictionary<string, long> _last = new();
    private readonly SemaphoreSlim _changed = new(0);

    private LiveClient(HubConnection connection) => _connection = connection;

    public ConcurrentDictionary<string, IncidentSummary> Incidents { get; } = new();

    public List<CityControl.Devices.DeviceSummary> Devices { get; private set; } = [];

    public List<CityControl.Devices.DeviceStatus> DeviceStates { get; private set; } = [];

    public ConcurrentQueue<CityControl.Devices.DeviceEvent> DeviceEvents { get; } = new();

    public bool InOrder { get; private set; } = true;

    public static async Task<LiveClient> ConnectAsync(Uri baseAddress, PlatformApi api, (string User, string Password) user)
    {
        var token = await api.TokenAsync(user.User, user.Password);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, ControlRoomHub.Path), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions))
            .Build();
        var client = new LiveClient(connection);

        // Batches that come before the snapshot is applied wait for it; the handler runs on another thread, so the
        // snapshot and the waiting batches are applied under the same lock that later batches take (else a batch
        // could be applied first and then overwritten by the older snapshot).
        var gate = new Lock();
        var early = new List<LiveBatch>();
        var ready = false;
        connection.On<LiveBatch>(nameof(IControlRoomClient.Updates), batch =>
        {
            lock (gate)
            {
                if (ready)
                {
                    client.Apply(batch);
                }
                else
                {
                    early.Add(batch);
                }
            }
        });
        await connection.StartAsync();
        var snapshot = await connection.InvokeAsync<LiveSnapshot>(nameof(ControlRoomHub.Snapshot));
        lock (gate)
        {
            foreach (var (group, sequence) in snapshot.Sequences)
            {
                client._last[group] = sequence;
            }

            foreach (var incident in snapshot.Incidents)
            {
                client.Incidents[incident.Id] = incident;
            }

            client.Devices = [.. snapshot.Devices];
            client.DeviceStates = [.. snapshot.DeviceStates];
            early.ForEach(client.Apply);
            ready = true;
        }

        return client;
    }

    /// <summary>Every incident summary the batches brought, in order of arrival.</summary>
    public ConcurrentQueue<IncidentSummary> IncidentChanges { get; } = new();

    /// <summary>The first incident, already known (snapshot or batch) or still to come, that matches.</summary>
    public Task<IncidentSummary> WaitForIncident(Func<IncidentSummary, bool> match, TimeSpan? within = null) =>
        Until(() => Incidents.Values.FirstOrDefault(match), within ?? TimeSpan.FromSeconds(15));

    /// <summary>The first change that matches among those arriving after the first <paramref name="skip"/>, with its place.</summary>
    public async Task<(IncidentSummary Incident, int Index)> WaitForIncidentChange(Func<IncidentSummary, bool> match, int skip, TimeSpan within)
    {
        var found = await Until(() => IncidentChanges.Select((incident, index) => new Change(incident, index)).Skip(skip).FirstOrDefault(c => match(c.Incident)), within);
        return (found.Incident, found.Index);
    }

    /// <summary>The first device event, already received or still to come, that matches.</summary>
    public Task<CityControl.Devices.DeviceEvent> WaitForDeviceEvent(Func<CityControl.Devices.DeviceEvent, bool> match) =>
        Until(() => DeviceEvents.FirstOrDefault(match), TimeSpan.FromSeconds(15));

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

    /// <summary>Checks again after each batch until <paramref name="find"/> finds something.</summary>
    private async Task<T> Until<T>(Func<T?> find, TimeSpan within)
        where T : class
    {
        using var timeout = new CancellationTokenSource(within);
        while (true)
        {
            if (find() is { } found)
            {
                return found;
            }

            await _changed.WaitAsync(timeout.Token);
        }
    }

    private void Apply(LiveBatch batch)
    {
        var last = _last.GetValueOrDefault(batch.Group);
        if (batch.Sequence <= last)
        {
            return;
        }

        InOrder &= batch.Sequence == last + 1;
        _last[batch.Group] = batch.Sequence;
        foreach (var incident in batch.Incidents)
        {
            Incidents[incident.Id] = incident;
            IncidentChanges.Enqueue(incident);
        }

        foreach (var device in batch.Devices)
        {
            DeviceEvents.Enqueue(device);
        }

        _changed.Release();
    }

    private sealed record Change(IncidentSummary Incident, int Index);
}
