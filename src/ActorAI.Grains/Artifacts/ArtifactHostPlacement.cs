using ActorAI.Abstractions.Artifacts;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace ActorAI.Grains.Artifacts;

/// <summary>Places a grain keyed by a store id on a silo that advertises that store, or refuses when none is active.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("ActorAI.ArtifactHostPlacement")]
public sealed class ArtifactHostPlacement : PlacementStrategy
{
    internal static ArtifactHostPlacement Singleton { get; } = new();
}

/// <summary>Places a grain class with <see cref="ArtifactHostPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ArtifactHostPlacementAttribute() : PlacementAttribute(ArtifactHostPlacement.Singleton);

internal sealed class ArtifactHostPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string store = target.GrainIdentity.Key.ToString()!;
        SiloAddress? silo = context.GetCompatibleSilos(target)
            .Where(s => metadata.GetSiloMetadata(s).Metadata.TryGetValue(ArtifactTopology.StoreKey, out string? id) && id == store)
            .OrderBy(s => s.ToParsableString(), StringComparer.Ordinal)
            .FirstOrDefault();
        return silo is not null
            ? Task.FromResult(silo)
            : throw new ArtifactException($"artifact store {store} is not on any active silo");
    }
}
