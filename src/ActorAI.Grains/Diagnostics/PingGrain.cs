using ActorAI.Abstractions;
using ActorAI.Abstractions.Diagnostics;

namespace ActorAI.Grains.Diagnostics;

/// <summary>Persistent state of a <see cref="PingGrain"/>.</summary>
[GenerateSerializer, Alias("ActorAI.PingState")]
public sealed record PingState
{
    [Id(0)] public long Count { get; init; }
    [Id(1)] public DateTimeOffset FirstPing { get; init; }
}

internal sealed class PingGrain(
    [PersistentState("ping", ProviderNames.GrainStorage)] IPersistentState<PingState> state,
    ILocalSiloDetails silo,
    TimeProvider clock) : Grain, IPingGrain
{
    public async Task<PingReply> PingAsync(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        PingState current = state.State;
        state.State = current with
        {
            Count = current.Count + 1,
            FirstPing = current.Count == 0 ? clock.GetUtcNow() : current.FirstPing,
        };
        // Acknowledge only what is durable.
        await state.WriteStateAsync();
        return new PingReply(
            this.GetPrimaryKeyString(), message, silo.SiloAddress.ToParsableString(), state.State.Count, state.State.FirstPing);
    }
}
