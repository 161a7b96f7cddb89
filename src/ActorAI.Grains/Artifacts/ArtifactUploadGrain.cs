using ActorAI.Abstractions.Artifacts;
using ActorAI.Grains.Storage;

namespace ActorAI.Grains.Artifacts;

/// <summary>
/// Stages one client upload in the hosting silo's store and imports it through <see cref="IArtifactStore"/>, which
/// replicates it. The staged file lives with this activation: if its silo dies, the caller starts the upload again.
/// </summary>
internal sealed class ArtifactUploadGrain(IArtifactStore artifacts) : Grain, IArtifactUploadGrain
{
    private string? _path;

    public async Task WriteAsync(long offset, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length > ArtifactLimits.MaxChunkBytes || offset < 0)
        {
            throw new ArtifactException($"an upload chunk must be at most {ArtifactLimits.MaxChunkBytes} bytes at a non-negative offset (was {data.Length} at {offset})");
        }
        _path ??= artifacts.NewTemporaryPath(".upload");
        using var handle = File.OpenHandle(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
        await RandomAccess.WriteAsync(handle, data, offset);
    }

    public async Task<ArtifactInfo> CompleteAsync(string sha256, long size)
    {
        ArtifactLimits.RequireSha256(sha256);
        if (_path is null)
        {
            if (size != 0)
            {
                throw new ArtifactException($"upload of artifact {sha256} has no data on this silo: it was never written or was lost with its silo; upload it again");
            }
            _path = artifacts.NewTemporaryPath(".upload");
            await File.WriteAllBytesAsync(_path, []);
        }
        long length = new FileInfo(_path).Length;
        if (length != size)
        {
            Discard();
            throw new ArtifactException($"upload of artifact {sha256} has {length} bytes; the caller said {size}");
        }
        string path = _path;
        _path = null;
        DeactivateOnIdle();
        await artifacts.ImportAsync(path, sha256);
        return await artifacts.DescribeAsync(sha256);
    }

    public Task AbortAsync()
    {
        Discard();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Discard();
        return Task.CompletedTask;
    }

    private void Discard()
    {
        if (_path is not null)
        {
            File.Delete(_path);
            _path = null;
        }
    }
}
