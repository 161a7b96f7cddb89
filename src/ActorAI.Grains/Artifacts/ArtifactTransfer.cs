using System.Security.Cryptography;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Grains.Storage;
using Orleans.Concurrency;

namespace ActorAI.Grains.Artifacts;

/// <summary>
/// Moves one artifact between stores in chunks (<see cref="ArtifactPlaneOptions.TransferChunkBytes"/>, at most 16 MiB),
/// <see cref="ArtifactPlaneOptions.TransferWindow"/> in flight, verified by hash on arrival.
/// </summary>
internal static class ArtifactTransfer
{
    /// <summary>Pushes a locally held artifact to <paramref name="target"/>; returns when the target has it durably.</summary>
    public static async Task PushAsync(
        FileArtifactStore local, string sha256, long size, IArtifactHostGrain target, ArtifactPlaneOptions options, CancellationToken cancellationToken)
    {
        int chunk = Math.Clamp(options.TransferChunkBytes, 64 * 1024, ArtifactLimits.MaxChunkBytes);
        int window = Math.Max(1, options.TransferWindow);
        var transfer = Guid.NewGuid();
        var inFlight = new Queue<Task>();
        for (long offset = 0; offset < size; offset += chunk)
        {
            byte[] data = await local.ReadAsync(sha256, offset, (int)Math.Min(chunk, size - offset), cancellationToken).ConfigureAwait(false);
            inFlight.Enqueue(target.WriteAsync(transfer, offset, data.AsImmutable()));
            if (inFlight.Count >= window)
            {
                await inFlight.Dequeue().ConfigureAwait(false);
            }
        }
        while (inFlight.Count > 0)
        {
            await inFlight.Dequeue().ConfigureAwait(false);
        }
        await target.CommitAsync(transfer, sha256, size).ConfigureAwait(false);
    }

    /// <summary>Pulls an artifact from <paramref name="source"/> into the local store, verifying its hash.</summary>
    public static async Task PullAsync(
        FileArtifactStore local, string sha256, long size, IArtifactHostGrain source, ArtifactPlaneOptions options, CancellationToken cancellationToken)
    {
        int chunk = Math.Clamp(options.TransferChunkBytes, 64 * 1024, ArtifactLimits.MaxChunkBytes);
        int window = Math.Max(1, options.TransferWindow);
        string path = local.NewTemporaryPath(".part");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var inFlight = new Queue<(long Offset, Task<Immutable<byte[]>> Read)>();
                long next = 0;
                while (next < size || inFlight.Count > 0)
                {
                    while (next < size && inFlight.Count < window)
                    {
                        inFlight.Enqueue((next, source.ReadAsync(sha256, next, (int)Math.Min(chunk, size - next))));
                        next += chunk;
                    }
                    (long offset, Task<Immutable<byte[]>> read) = inFlight.Dequeue();
                    byte[] data = (await read.ConfigureAwait(false)).Value;
                    if (data.Length != Math.Min(chunk, size - offset))
                    {
                        throw new ArtifactException($"artifact {sha256}: a chunk at {offset} came back with {data.Length} bytes; the record says the artifact has {size}");
                    }
                    // Chunks are consumed in order, so the hash is computed as they arrive rather than by reading the file again.
                    hash.AppendData(data);
                    await RandomAccess.WriteAsync(handle, data, offset, cancellationToken).ConfigureAwait(false);
                }
            }
            local.ImportHashed(path, Convert.ToHexStringLower(hash.GetHashAndReset()), sha256);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
