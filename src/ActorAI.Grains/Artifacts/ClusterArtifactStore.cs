using System.Collections.Concurrent;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace ActorAI.Grains.Artifacts;

/// <summary>
/// The silo's <see cref="IArtifactStore"/>: the local <see cref="FileArtifactStore"/> is a cache of the cluster's
/// artifacts. A write is acknowledged once it is durable on the wanted number of distinct stores and recorded in the
/// persisted directory; a read is local when possible, else fetched from a live store that holds it, verified, cached
/// and recorded as one more copy.
/// </summary>
internal sealed partial class ClusterArtifactStore(
    FileArtifactStore local, ArtifactTopology topology, IGrainFactory grains, ILogger<ClusterArtifactStore> logger) : IArtifactStore
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _fetches = new(StringComparer.Ordinal);

    public string NewTemporaryPath(string extension) => local.NewTemporaryPath(extension);

    public async Task<string> ImportAsync(string temporaryPath, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        string sha = await local.ImportAsync(temporaryPath, expectedSha256, cancellationToken).ConfigureAwait(false);
        long size = local.LengthOf(sha);
        IArtifactDirectoryGrain directory = Directory(sha);
        ArtifactRecord? record = await directory.GetAsync(sha).ConfigureAwait(false);
        IReadOnlyList<string> live = topology.LiveStores();
        int wanted = topology.Wanted(live.Count);
        var holders = new HashSet<string>(record?.Stores.Where(live.Contains) ?? [], StringComparer.Ordinal) { topology.LocalStore };
        var errors = new List<string>();
        // Candidates in a per-artifact order, so copies spread over the cluster rather than piling onto one silo.
        var candidates = new Queue<string>(live.Where(s => !holders.Contains(s)).OrderBy(s => HashCode.Combine(s, sha)));
        while (holders.Count < wanted && candidates.Count > 0)
        {
            string[] batch = [.. Enumerable.Range(0, Math.Min(wanted - holders.Count, candidates.Count)).Select(_ => candidates.Dequeue())];
            Task[] pushes = [.. batch.Select(target => ArtifactTransfer.PushAsync(
                local, sha, size, grains.GetGrain<IArtifactHostGrain>(target), topology.Options, cancellationToken))];
            for (int i = 0; i < batch.Length; i++)
            {
                try
                {
                    await pushes[i].ConfigureAwait(false);
                    holders.Add(batch[i]);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
                {
                    errors.Add($"store {batch[i]}: {ex.Message}");
                    LogPushFailed(ex, sha, batch[i]);
                }
            }
        }
        await directory.RecordAsync(sha, size, [.. holders], written: true).ConfigureAwait(false);
        if (holders.Count < wanted)
        {
            throw new ArtifactException(
                $"artifact {sha} is durable on {holders.Count} of the {wanted} stores wanted ({live.Count} live): {string.Join("; ", errors)}");
        }
        return sha;
    }

    public async Task<string> OpenVerifiedAsync(string sha256, CancellationToken cancellationToken = default)
    {
        ArtifactLimits.RequireSha256(sha256);
        if (local.Contains(sha256))
        {
            try
            {
                return await local.OpenVerifiedAsync(sha256, cancellationToken).ConfigureAwait(false);
            }
            catch (ArtifactException ex) when (local.Contains(sha256))
            {
                LogCorruptCopy(ex, sha256);
                local.Delete(sha256); // a bad local copy is replaced by a good one from another store
            }
        }
        Lazy<Task<string>> fetch = _fetches.GetOrAdd(sha256, sha => new Lazy<Task<string>>(() => FetchAsync(sha)));
        try
        {
            return await fetch.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (fetch.Value.IsCompleted)
            {
                _fetches.TryRemove(KeyValuePair.Create(sha256, fetch));
            }
        }
    }

    public async Task<ArtifactInfo> DescribeAsync(string sha256, CancellationToken cancellationToken = default)
    {
        ArtifactRecord? record = await Directory(sha256).GetAsync(sha256).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return local.Contains(sha256)
                ? await local.DescribeAsync(sha256, cancellationToken).ConfigureAwait(false)
                : throw new ArtifactException($"artifact {sha256} is not in the cluster's store");
        }
        return Describe(record, topology.LiveStores());
    }

    /// <summary>The public view of a record, counting the copies on live stores.</summary>
    public static ArtifactInfo Describe(ArtifactRecord record, IReadOnlyCollection<string> liveStores) =>
        new(record.Sha256, record.Size, record.Stores, record.Stores.Count(liveStores.Contains), record.CreatedAt);

    private async Task<string> FetchAsync(string sha256)
    {
        ArtifactRecord record = await Directory(sha256).GetAsync(sha256).ConfigureAwait(false)
            ?? throw new ArtifactException($"artifact {sha256} is not in the cluster's store");
        IReadOnlyList<string> live = topology.LiveStores();
        string[] sources = [.. record.Stores.Where(s => s != topology.LocalStore && live.Contains(s)).OrderBy(_ => Random.Shared.Next())];
        if (sources.Length == 0)
        {
            throw new ArtifactException(
                $"artifact {sha256} has no copy on a live silo (recorded on {record.Stores.Length} stores, none of them active now)");
        }
        var errors = new List<string>();
        foreach (string source in sources)
        {
            try
            {
                await ArtifactTransfer.PullAsync(local, sha256, record.Size, grains.GetGrain<IArtifactHostGrain>(source), topology.Options, CancellationToken.None)
                    .ConfigureAwait(false);
                await Directory(sha256).RecordAsync(sha256, record.Size, [topology.LocalStore]).ConfigureAwait(false);
                return await local.OpenVerifiedAsync(sha256).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                errors.Add($"store {source}: {ex.Message}");
                LogFetchFailed(ex, sha256, source);
            }
        }
        throw new ArtifactException($"artifact {sha256} could not be fetched: {string.Join("; ", errors)}");
    }

    private IArtifactDirectoryGrain Directory(string sha256) => grains.GetGrain<IArtifactDirectoryGrain>(ArtifactDirectoryGrain.PartitionOf(sha256));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Artifact {Sha256}: push to store {Store} failed")]
    private partial void LogPushFailed(Exception error, string sha256, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Artifact {Sha256}: fetch from store {Store} failed")]
    private partial void LogFetchFailed(Exception error, string sha256, string store);

    [LoggerMessage(Level = LogLevel.Error, Message = "Artifact {Sha256}: the local copy is corrupt; fetching another")]
    private partial void LogCorruptCopy(Exception error, string sha256);
}
