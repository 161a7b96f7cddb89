using ActorAI.Abstractions.Artifacts;
using ActorAI.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ActorAI.Grains.Artifacts;

/// <summary>One silo disk's store, served to the rest of the cluster. Reentrant: transfers interleave.</summary>
[Reentrant, ArtifactHostPlacement]
internal sealed partial class ArtifactHostGrain(
    FileArtifactStore local, IOptions<ArtifactPlaneOptions> options, ILogger<ArtifactHostGrain> logger) : Grain, IArtifactHostGrain
{
    private readonly Dictionary<Guid, string> _incoming = [];
    private readonly HashSet<string> _copying = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (this.GetPrimaryKeyString() != local.StoreId)
        {
            // Placement only puts a store's grain where the store is; anything else is a broken invariant.
            throw new ArtifactException($"artifact store {this.GetPrimaryKeyString()} was activated on a silo whose store is {local.StoreId}");
        }
        return Task.CompletedTask;
    }

    public async Task<Immutable<byte[]>> ReadAsync(string sha256, long offset, int count) =>
        (await local.ReadAsync(sha256, offset, count)).AsImmutable();

    public async Task WriteAsync(Guid transfer, long offset, Immutable<byte[]> data)
    {
        if (data.Value.Length > ArtifactLimits.MaxChunkBytes || offset < 0)
        {
            throw new ArtifactException($"a chunk must be at most {ArtifactLimits.MaxChunkBytes} bytes at a non-negative offset (was {data.Value.Length} at {offset})");
        }
        if (!_incoming.TryGetValue(transfer, out string? path))
        {
            _incoming[transfer] = path = local.NewTemporaryPath(".part");
        }
        using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        await RandomAccess.WriteAsync(handle, data.Value, offset);
    }

    public async Task CommitAsync(Guid transfer, string sha256, long size)
    {
        ArtifactLimits.RequireSha256(sha256);
        if (!_incoming.Remove(transfer, out string? path))
        {
            if (size != 0)
            {
                throw new ArtifactException($"copy of artifact {sha256} has no data on store {local.StoreId}");
            }
            path = local.NewTemporaryPath(".part");
            await File.WriteAllBytesAsync(path, []);
        }
        long length = new FileInfo(path).Length;
        if (length != size)
        {
            File.Delete(path);
            throw new ArtifactException($"copy of artifact {sha256} arrived with {length} bytes of {size}");
        }
        await local.ImportAsync(path, sha256);
    }

    public async Task CopyFromAsync(string sha256, long size, IReadOnlyList<string> sources)
    {
        if (local.Contains(sha256))
        {
            await Directory(sha256).RecordAsync(sha256, size, [local.StoreId]);
            return;
        }
        if (!_copying.Add(sha256))
        {
            return;
        }
        try
        {
            foreach (string source in sources.Where(s => s != local.StoreId))
            {
                try
                {
                    await ArtifactTransfer.PullAsync(local, sha256, size, GrainFactory.GetGrain<IArtifactHostGrain>(source), options.Value, CancellationToken.None);
                    await Directory(sha256).RecordAsync(sha256, size, [local.StoreId]);
                    LogCopied(sha256, source, local.StoreId);
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogCopyFailed(ex, sha256, source);
                }
            }
        }
        finally
        {
            _copying.Remove(sha256);
        }
    }

    public Task DeleteAsync(string sha256)
    {
        local.Delete(sha256);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. local.List()]);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        foreach (string path in _incoming.Values)
        {
            File.Delete(path);
        }
        _incoming.Clear();
        return Task.CompletedTask;
    }

    private IArtifactDirectoryGrain Directory(string sha256) => GrainFactory.GetGrain<IArtifactDirectoryGrain>(ArtifactDirectoryGrain.PartitionOf(sha256));

    [LoggerMessage(Level = LogLevel.Information, Message = "Artifact {Sha256} copied from store {Source} to {Target}")]
    private partial void LogCopied(string sha256, string source, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Artifact {Sha256}: copy from store {Source} failed")]
    private partial void LogCopyFailed(Exception error, string sha256, string source);
}
