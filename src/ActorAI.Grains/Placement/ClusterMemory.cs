using ActorAI.Abstractions.Cluster;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ActorAI.Grains.Placement;

/// <summary>
/// The memory the silos of a role offer and hold, read from their metadata and their ledgers: what placement decides by,
/// and what planners read to size work (for example, how many pipeline stages a model needs).
/// </summary>
internal static class ClusterMemory
{
    // A ledger that does not answer within this is on a silo that is going away; it is left out.
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Every active silo of <paramref name="role"/> (all when none advertises it), in address order.</summary>
    public static Task<IReadOnlyList<SiloMemory>> SnapshotAsync(
        IGrainFactory grains, ISiloMetadataCache metadata, IClusterMembershipService membership, string role)
    {
        ArgumentNullException.ThrowIfNull(membership);
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
        return ReadAsync(grains, metadata, active, role);
    }

    /// <summary>
    /// What every active silo of <paramref name="role"/> offers with nothing reserved: the figures a job or deployment
    /// checks against to refuse work that could never fit, however the cluster's memory is used at the moment.
    /// </summary>
    public static IReadOnlyList<SiloMemory> Capacity(ISiloMetadataCache metadata, IClusterMembershipService membership, string role)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(membership);
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
        return [.. MemoryPlanner.ForRole(active.Select(s => (s, SiloResources.FromMetadata(metadata.GetSiloMetadata(s).Metadata))), role)
            .Select(c => new SiloMemory(c.Silo, c.Resources?.MemoryOfferBytes ?? long.MaxValue, 0, c.Resources?.GpuCount > 0))];
    }

    /// <summary>The silos among <paramref name="silos"/> that may host work of <paramref name="role"/>, in address order.</summary>
    public static async Task<IReadOnlyList<SiloMemory>> ReadAsync(
        IGrainFactory grains, ISiloMetadataCache metadata, IEnumerable<SiloAddress> silos, string role)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(metadata);
        var pool = MemoryPlanner.ForRole(silos.Select(s => (s, SiloResources.FromMetadata(metadata.GetSiloMetadata(s).Metadata))), role);
        SiloMemory?[] read = await Task.WhenAll(pool.Select(async c =>
        {
            try
            {
                long reserved = await grains.GetGrain<ISiloMemoryGrain>(SiloMemoryGrain.KeyOf(c.Silo)).GetReservedAsync().WaitAsync(ReadTimeout);
                return new SiloMemory(c.Silo, c.Resources?.MemoryOfferBytes ?? long.MaxValue, reserved, c.Resources?.GpuCount > 0);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                return null;
            }
        }));
        return [.. read.OfType<SiloMemory>()];
    }
}
