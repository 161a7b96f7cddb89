using System.Collections.Immutable;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Grains.Serving;

/// <summary>Persistent state of a name index.</summary>
[GenerateSerializer, Alias("ActorAI.NameIndexState")]
public sealed record NameIndexState
{
    [Id(0)] public ImmutableList<string> Names { get; init; } = [];
}

internal sealed class NameIndexGrain(
    [PersistentState("index", ProviderNames.GrainStorage)] IPersistentState<NameIndexState> state) : Grain, INameIndexGrain
{
    public async Task AddAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!state.State.Names.Contains(name))
        {
            state.State = state.State with { Names = state.State.Names.Add(name) };
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string name)
    {
        if (state.State.Names.Contains(name))
        {
            state.State = state.State with { Names = state.State.Names.Remove(name) };
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.Names);
}
