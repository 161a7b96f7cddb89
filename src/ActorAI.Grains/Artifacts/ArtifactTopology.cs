using ActorAI.Grains.Storage;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ActorAI.Grains.Artifacts;

/// <summary>
/// Which stores (one per silo disk, named by <see cref="FileArtifactStore.StoreId"/> and advertised in silo metadata)
/// are live now, and how many copies a write needs. Several silos sharing one directory count as one store.
/// </summary>
internal sealed class ArtifactTopology(
    FileArtifactStore local, IClusterMembershipService membership, ISiloMetadataCache metadata, IOptions<ArtifactPlaneOptions> options)
{
    /// <summary>The silo-metadata key that carries a silo's store id.</summary>
    public const string StoreKey = "actorai.artifact-store";

    public string LocalStore => local.StoreId;

    public ArtifactPlaneOptions Options => options.Value;

    /// <summary>The stores of active silos, in a stable order.</summary>
    public IReadOnlyList<string> LiveStores() =>
        [.. ActiveSilos().Select(StoreOf).OfType<string>().Append(local.StoreId).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Copies a write needs now: the configured replicas, at most the live stores.</summary>
    public int Wanted(int liveStores) => Math.Max(1, Math.Min(Options.Replicas, liveStores));

    /// <summary>The active silos, in address order.</summary>
    public IEnumerable<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .OrderBy(s => s.ToParsableString(), StringComparer.Ordinal);

    /// <summary>The store a silo advertises, or null when its metadata is not known (yet).</summary>
    public string? StoreOf(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(StoreKey, out string? store) ? store : null;
}
