using System.Collections.Immutable;
using ActorAI.Abstractions.Cluster;
using Orleans.Concurrency;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ActorAI.Grains.Cluster;

[StatelessWorker]
internal sealed class ClusterGrain(ISiloMetadataCache metadata) : Grain, IClusterGrain
{
    public async Task<IReadOnlyList<SiloInfo>> GetSilosAsync()
    {
        MembershipEntry[] entries = await GrainFactory.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        return [.. entries
            .OrderBy(e => e.StartTime)
            .ThenBy(e => e.SiloAddress.ToParsableString(), StringComparer.Ordinal)
            .Select(e => new SiloInfo(
                e.SiloAddress.ToParsableString(),
                e.SiloName ?? "",
                e.HostName ?? "",
                (SiloState)(int)e.Status,
                new DateTimeOffset(DateTime.SpecifyKind(e.StartTime, DateTimeKind.Utc)),
                new DateTimeOffset(DateTime.SpecifyKind(e.IAmAliveTime, DateTimeKind.Utc)),
                e.ProxyPort,
                e.Status == SiloStatus.Dead ? null : Resources(e.SiloAddress)))];
    }

    private SiloResources? Resources(SiloAddress silo)
    {
        ImmutableDictionary<string, string> values = metadata.GetSiloMetadata(silo).Metadata;
        return SiloResources.FromMetadata(values);
    }
}
