namespace ActorAI.Abstractions.Cluster;

/// <summary>
/// The memory one silo offers to compute grains and how much of it their activations (and placements on their way)
/// hold: what memory-aware placement decides by, and what planners read to choose, for example, how many pipeline
/// stages a model needs.
/// </summary>
/// <param name="Silo">The silo.</param>
/// <param name="OfferBytes">
/// Memory offered (<see cref="SiloResources.MemoryOfferBytes"/>): GPU memory on a GPU silo, capped by
/// <c>Silo:MemoryBudget</c>; <see cref="long.MaxValue"/> when unknown.
/// </param>
/// <param name="ReservedBytes">Memory the compute grains placed on the silo declared they need.</param>
/// <param name="HasGpu">Whether the silo has a GPU (placement prefers those).</param>
[GenerateSerializer, Immutable, Alias("ActorAI.SiloMemory")]
public sealed record SiloMemory(
    [property: Id(0)] SiloAddress Silo,
    [property: Id(1)] long OfferBytes,
    [property: Id(2)] long ReservedBytes,
    [property: Id(3)] bool HasGpu)
{
    /// <summary>Memory still free: the offer less the reservations, never negative.</summary>
    public long FreeBytes => OfferBytes == long.MaxValue ? long.MaxValue : Math.Max(0, OfferBytes - ReservedBytes);
}
