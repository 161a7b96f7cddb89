using System.Collections.Immutable;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Training;

namespace ActorAI.Grains.Training;

/// <summary>Persistent state of the job registry.</summary>
[GenerateSerializer, Alias("ActorAI.TrainingJobRegistryState")]
public sealed record TrainingJobRegistryState
{
    [Id(0)] public ImmutableList<string> Jobs { get; init; } = [];
}

internal sealed class TrainingJobRegistryGrain(
    [PersistentState("trainingjobs", ProviderNames.GrainStorage)] IPersistentState<TrainingJobRegistryState> state) : Grain, ITrainingJobRegistryGrain
{
    public async Task AddAsync(string jobId)
    {
        if (!state.State.Jobs.Contains(jobId))
        {
            state.State = state.State with { Jobs = state.State.Jobs.Add(jobId) };
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.Jobs);
}
