using ActorAI.Abstractions.Artifacts;
using Microsoft.Extensions.Logging;

namespace ActorAI.Grains.Artifacts;

/// <summary>The cluster-wide view over the 16 directory partitions, and garbage collection.</summary>
internal sealed partial class ArtifactCatalogGrain(
    ArtifactTopology topology, TimeProvider clock, ILogger<ArtifactCatalogGrain> logger) : Grain, IArtifactCatalogGrain
{
    public async Task<IReadOnlyList<ArtifactInfo>> ListAsync()
    {
        IReadOnlyList<string> live = topology.LiveStores();
        return [.. (await AllRecordsAsync()).Select(r => ClusterArtifactStore.Describe(r, [.. live]))];
    }

    public async Task<ArtifactInfo?> GetAsync(string sha256)
    {
        ArtifactRecord? record = await Partition(sha256).GetAsync(sha256);
        return record is null ? null : ClusterArtifactStore.Describe(record, [.. topology.LiveStores()]);
    }

    public async Task<ArtifactGcReport> CollectGarbageAsync(TimeSpan? grace, bool dryRun)
    {
        TimeSpan period = grace ?? topology.Options.GarbageGracePeriod;
        if (period < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(grace), period, "grace must not be negative");
        }
        // Records first, references second: an artifact recorded after the listing is not examined at all, and one
        // referenced after it is protected by the grace period.
        IReadOnlyList<ArtifactRecord> records = await AllRecordsAsync();
        HashSet<string> referenced = await ArtifactReferences.CollectAsync(GrainFactory);
        DateTimeOffset now = clock.GetUtcNow();
        var live = topology.LiveStores().ToHashSet(StringComparer.Ordinal);
        int referencedCount = 0, young = 0;
        long bytes = 0;
        var deleted = new List<string>();
        foreach (ArtifactRecord record in records)
        {
            if (referenced.Contains(record.Sha256))
            {
                referencedCount++;
                continue;
            }
            if (now - record.WrittenAt < period)
            {
                young++;
                continue;
            }
            deleted.Add(record.Sha256);
            bytes += record.Size;
            if (!dryRun)
            {
                await Task.WhenAll(record.Stores.Where(live.Contains).Select(s => GrainFactory.GetGrain<IArtifactHostGrain>(s).DeleteAsync(record.Sha256)));
                await Partition(record.Sha256).RemoveAsync(record.Sha256);
            }
        }
        LogCollected(records.Count, deleted.Count, bytes, dryRun);
        return new ArtifactGcReport(records.Count, referencedCount, young, deleted, bytes, dryRun);
    }

    private async Task<IReadOnlyList<ArtifactRecord>> AllRecordsAsync() =>
        [.. (await Task.WhenAll(ArtifactDirectoryGrain.Partitions.Select(p => GrainFactory.GetGrain<IArtifactDirectoryGrain>(p).ListAsync()))).SelectMany(r => r)];

    private IArtifactDirectoryGrain Partition(string sha256) => GrainFactory.GetGrain<IArtifactDirectoryGrain>(ArtifactDirectoryGrain.PartitionOf(sha256));

    [LoggerMessage(Level = LogLevel.Information, Message = "Artifact garbage collection: {Examined} examined, {Deleted} deleted ({Bytes} bytes), dry run {DryRun}")]
    private partial void LogCollected(int examined, int deleted, long bytes, bool dryRun);
}
