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

namespace CityControl.Tests.Api;

/// <summary>The live channel over a real SignalR connection (WebSockets), as the control room's browsers use it.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class LiveHubTests(MemoryPlatformFixture fixture)
{
    private static readonly (string, string) Fire = ("fire", "fire-demo");
    private PlatformApi Api => fixture.Api;

    [Fact]
    public async Task A_new_incident_reaches_the_operator_and_the_fire_dispatcher_live_but_not_the_police()
    {
        await using var operatorClient = await LiveClient.ConnectAsync(fixture, PlatformApi.Operator);
        await using var fireClient = await LiveClient.ConnectAsync(fixture, Fire);
        await using var policeClient = await LiveClient.ConnectAsync(fixture, PlatformApi.Police);
        var district = MemoryPlatformFixture.NewId("live");

        await Api.LeakAsync(district);

        var seenByOperator = await operatorClient.WaitForIncident(i => i.District == district && i.AlarmCount >= 2);
        var seenByFire = await fireClient.WaitForIncident(i => i.District == district && i.AlarmCount >= 2);
        await Task.Delay(500);

        Assert.Equal(IncidentType.ChemicalLeak, seenByOperator.Type);
        Assert.Equal(seenByOperator.Id, seenByFire.Id);
        Assert.DoesNotContain(policeClient.Incidents.Values, i => i.District == district);
        Assert.True(operatorClient.InOrder, "operator batches out of order");
        Assert.True(fireClient.InOrder, "fire batches out of order");
        Assert.Contains(operatorClient.DeviceEvents, e => e.District == district && e.Alarm is not null);
    }

    [Fact]
    public async Task A_client_that_was_away_catches_up_from_the_snapshot_when_it_reconnects()
    {
        var client = await LiveClient.ConnectAsync(fixture, PlatformApi.Operator);
        await client.DisposeAsync();
        var district = MemoryPlatformFixture.NewId("away");
        await Api.LeakAsync(district);
        await Api.WaitForIncidentAsync(district);

        await using var back = await LiveClient.ConnectAsync(fixture, PlatformApi.Operator);

        Assert.Contains(back.Incidents.Values, i => i.District == district);
        var gas = Assert.Single(back.Devices, d => d.District == district);
        var status = Assert.Single(back.DeviceStates, s => s.Id == gas.Id);
        Assert.Equal(CityControl.Devices.GasLevel.High, status.Live.GasLevel);
        Assert.Equal(CityControl.Devices.Connectivity.Online, status.Connectivity);
        Assert.Contains(CityControl.Devices.AlarmCondition.GasHigh, status.ActiveAlarms);
    }

    [Fact]
    public async Task The_hub_refuses_a_visitor_without_a_token()
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Platform.BaseAddress, ControlRoomHub.Path), o => o.Transports = HttpTransportType.WebSockets)
            .Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => connection.StartAsync());

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        await connection.DisposeAsync();
    }

}

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

    public static async Task<LiveClient> ConnectAsync(MemoryPlatformFixture fixture, (string User, string Password) user)
    {
        var token = await fixture.Api.TokenAsync(user.User, user.Password);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Platform.BaseAddress, ControlRoomHub.Path), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions))
            .Build();
        var client = new LiveClient(connection);
        var early = new ConcurrentQueue<LiveBatch>();
        LiveSnapshot? snapshot = null;
        connection.On<LiveBatch>(nameof(IControlRoomClient.Updates), batch =>
        {
            if (snapshot is null)
            {
                early.Enqueue(batch);
            }
            else
            {
                client.Apply(batch);
            }
        });
        await connection.StartAsync();
        snapshot = await connection.InvokeAsync<LiveSnapshot>(nameof(ControlRoomHub.Snapshot));
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
        while (early.TryDequeue(out var batch))
        {
            client.Apply(batch);
        }

        return client;
    }

    public async Task<IncidentSummary> WaitForIncident(Func<IncidentSummary, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            if (Incidents.Values.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await _changed.WaitAsync(timeout.Token);
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

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
        }

        foreach (var device in batch.Devices)
        {
            DeviceEvents.Enqueue(device);
        }

        _changed.Release();
    }
}
