using System.Collections.Immutable;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Catalog;

namespace ActorAI.Grains.Catalog;

/// <summary>Persistent state of a job's event log.</summary>
[GenerateSerializer, Alias("ActorAI.TrainingJobEventsState")]
public sealed record TrainingJobEventsState
{
    [Id(0)] public ImmutableList<TrainingJobEvent> Events { get; init; } = [];
}

internal sealed class TrainingJobEventsGrain(
    [PersistentState("jobevents", ProviderNames.GrainStorage)] IPersistentState<TrainingJobEventsState> state) : Grain, ITrainingJobEventsGrain
{
    public async Task AppendAsync(IReadOnlyList<TrainingJobEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }
        ImmutableList<TrainingJobEvent> all = state.State.Events.AddRange(events);
        if (all.Count > ITrainingJobEventsGrain.MaxEvents)
        {
            all = all.RemoveRange(0, all.Count - ITrainingJobEventsGrain.MaxEvents);
        }
        state.State = state.State with { Events = all };
        await state.WriteStateAsync();
    }

    public Task<(IReadOnlyList<TrainingJobEvent> Events, int Total)> GetAsync(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ImmutableList<TrainingJobEvent> all = state.State.Events;
        int take = Math.Min(max, all.Count);
        return Task.FromResult<(IReadOnlyList<TrainingJobEvent>, int)>(([.. all.GetRange(all.Count - take, take).Reverse()], all.Count));
    }
}
