using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Grains.Persistence;
using CityControl.Incidents;
using CityControl.Rules.Incidents;
using Microsoft.Extensions.Logging;

namespace CityControl.Grains.Incidents;

[GenerateSerializer, Alias("citycontrol.incident-index-state.v1")]
public sealed class IncidentIndexState
{
    [Id(0)] public Dictionary<string, IncidentSummary> Incidents { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One partition of a month's incident summaries (keyed <c>yyyy-MM/partition</c>), for listing and search. A new
/// incident, or a new status or priority, is written at once; counts (repeated alarms) at a checkpoint.
/// </summary>
public sealed class IncidentIndexGrain(
    [PersistentState("incident-index", StorageNames.GrainState)] IPersistentState<IncidentIndexState> state,
    ILogger<IncidentIndexGrain> logger) : Grain, IIncidentIndexGrain
{
    private StateCheckpoint? _checkpoints;

    private StateCheckpoint Checkpoints => _checkpoints ??= new StateCheckpoint(this, state, TimeSpan.FromSeconds(5), logger,
        "alarm counts of incidents since the last checkpoint (the incidents themselves hold them)");

    public async Task Upsert(IncidentSummary summary)
    {
        if (state.State.Incidents.TryGetValue(summary.Id, out var existing) && existing == summary)
        {
            return;
        }

        state.State.Incidents[summary.Id] = summary;
        if (existing is null || existing.Status != summary.Status || existing.Priority != summary.Priority)
        {
            await Checkpoints.WriteNow();
        }
        else
        {
            Checkpoints.MarkDirty();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Checkpoints.OnDeactivate(cancellationToken);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task<ImmutableArray<IncidentSummary>> Query(IncidentQuery query) =>
        Task.FromResult(state.State.Incidents.Values
            .Where(i => (query.Status is null || i.Status == query.Status)
                && (query.Type is null || i.Type == query.Type)
                && (query.Agency is null || i.Agencies.Contains(query.Agency.Value))
                && (query.District is null || string.Equals(i.District, query.District, StringComparison.OrdinalIgnoreCase))
                && (query.From is null || i.OpenedAt >= query.From)
                && (query.To is null || i.OpenedAt < query.To)
                && (query.Priority is null || i.Priority == query.Priority)
                && (query.Ended is null || IncidentLifecycle.HasEnded(i.Status) == query.Ended)
                && (string.IsNullOrWhiteSpace(query.Text) || IncidentLifecycle.Mentions(i, query.Text)))
            .ToImmutableArray());
}
