using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Grains.Incidents;

[GenerateSerializer, Alias("citycontrol.incident-index-state.v1")]
public sealed class IncidentIndexState
{
    [Id(0)] public Dictionary<string, IncidentSummary> Incidents { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A month's incident summaries (keyed yyyy-MM), written when an incident changes in a way people see.</summary>
public sealed class IncidentIndexGrain(
    [PersistentState("incident-index", StorageNames.GrainState)] IPersistentState<IncidentIndexState> state) : Grain, IIncidentIndexGrain
{
    public async Task Upsert(IncidentSummary summary)
    {
        if (state.State.Incidents.TryGetValue(summary.Id, out var existing) && existing == summary)
        {
            return;
        }

        state.State.Incidents[summary.Id] = summary;
        await state.WriteStateAsync();
    }

    public Task<ImmutableArray<IncidentSummary>> Query(IncidentQuery query) =>
        Task.FromResult(state.State.Incidents.Values
            .Where(i => (query.Status is null || i.Status == query.Status)
                && (query.Type is null || i.Type == query.Type)
                && (query.Agency is null || i.Agencies.Contains(query.Agency.Value))
                && (query.District is null || string.Equals(i.District, query.District, StringComparison.OrdinalIgnoreCase))
                && (query.From is null || i.OpenedAt >= query.From)
                && (query.To is null || i.OpenedAt < query.To))
            .ToImmutableArray());
}
