using ActorAI.Abstractions;

namespace ActorAI.Grains.Placement;

/// <summary>
/// The memory compute grains need, declared by whoever creates them before their first activation and persisted, so
/// the placement director reads it every time it places the grain — also when the grain reactivates after its silo died.
/// </summary>
internal static class MemoryNeeds
{
    /// <summary>Persists the need of one grain (by <see cref="GrainId"/>) so the placement director can read it whenever it places that grain.</summary>
    public static Task DeclareAsync(IGrainFactory grains, GrainId grain, long bytes)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        return grains.GetGrain<IMemoryNeedGrain>(grain.ToString()).DeclareAsync(bytes);
    }

    /// <summary>The declared need of <paramref name="grain"/>; 0 when none was declared.</summary>
    public static Task<long> ReadAsync(IGrainFactory grains, GrainId grain) =>
        grains.GetGrain<IMemoryNeedGrain>(grain.ToString()).GetAsync();
}

/// <summary>The declared memory need of one compute grain (key: that grain's <see cref="GrainId"/>).</summary>
[Alias("ActorAI.IMemoryNeedGrain")]
internal interface IMemoryNeedGrain : IGrainWithStringKey
{
    /// <summary>Records the need (bytes).</summary>
    [Alias("Declare")]
    Task DeclareAsync(long bytes);

    /// <summary>The recorded need (bytes); 0 when none.</summary>
    [Alias("Get")]
    Task<long> GetAsync();
}

/// <summary>Persistent state of <see cref="MemoryNeedGrain"/>.</summary>
[GenerateSerializer, Alias("ActorAI.MemoryNeedState")]
internal sealed record MemoryNeedState
{
    [Id(0)] public long Bytes { get; init; }
}

internal sealed class MemoryNeedGrain(
    [PersistentState("memoryneed", ProviderNames.GrainStorage)] IPersistentState<MemoryNeedState> state) : Grain, IMemoryNeedGrain
{
    public async Task DeclareAsync(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (state.State.Bytes != bytes || !state.RecordExists)
        {
            state.State = new MemoryNeedState { Bytes = bytes };
            await state.WriteStateAsync();
        }
    }

    public Task<long> GetAsync() => Task.FromResult(state.State.Bytes);
}
