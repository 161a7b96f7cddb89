using System.Security.Cryptography;
using ActorAI.Abstractions.Artifacts;

namespace ActorAI.Client;

/// <summary>The cluster's artifact store: upload files, list artifacts, collect garbage.</summary>
public sealed partial class ActorAIClient
{
    /// <summary>
    /// Uploads a file into the cluster's artifact store in 1 MiB chunks (the limit is <see cref="ArtifactLimits.MaxChunkBytes"/>);
    /// returns once it is durable on the wanted number of silos. The same bytes uploaded twice are stored once.
    /// </summary>
    /// <param name="path">The file to upload.</param>
    /// <param name="progress">Receives the bytes sent so far.</param>
    /// <param name="cancellationToken">Stops the upload (the staged part is dropped).</param>
    /// <exception cref="ArtifactException">The upload was refused or lost with its silo.</exception>
    public async Task<ArtifactInfo> UploadArtifactAsync(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        IArtifactUploadGrain upload = Cluster.GetGrain<IArtifactUploadGrain>(Guid.NewGuid());
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            // A few chunks in flight while the next is read and hashed; each names its offset, so order does not matter.
            var inFlight = new Queue<(Task Write, long End)>();
            while (true)
            {
                var buffer = new byte[(int)Math.Min(UploadChunkBytes, Math.Max(stream.Length - offset, 0))];
                int read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                byte[] chunk = read == buffer.Length ? buffer : buffer[..read];
                hash.AppendData(chunk);
                if (inFlight.Count >= UploadWindow)
                {
                    (Task write, long end) = inFlight.Dequeue();
                    await write.ConfigureAwait(false);
                    progress?.Report(end);
                }
                inFlight.Enqueue((upload.WriteAsync(offset, chunk).WaitAsync(cancellationToken), offset + read));
                offset += read;
            }
            while (inFlight.Count > 0)
            {
                (Task write, long end) = inFlight.Dequeue();
                await write.ConfigureAwait(false);
                progress?.Report(end);
            }
            string sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            return await upload.CompleteAsync(sha, offset).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await upload.AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Every artifact recorded in the cluster, by hash.</summary>
    public Task<IReadOnlyList<ArtifactInfo>> ListArtifactsAsync(CancellationToken cancellationToken = default) =>
        Catalog.ListAsync().WaitAsync(cancellationToken);

    /// <summary>One artifact's record, or <see langword="null"/> when the cluster has no such artifact.</summary>
    /// <exception cref="ArtifactException"><paramref name="sha256"/> is not a SHA-256 hex digest.</exception>
    public Task<ArtifactInfo?> GetArtifactAsync(string sha256, CancellationToken cancellationToken = default) =>
        Catalog.GetAsync(ArtifactLimits.RequireSha256(sha256)).WaitAsync(cancellationToken);

    /// <summary>
    /// Deletes artifacts that no model version, dataset or retained checkpoint references and that are older than
    /// <paramref name="grace"/> (the cluster's configured grace period when <see langword="null"/>).
    /// </summary>
    /// <param name="grace">How old an unreferenced artifact must be to go.</param>
    /// <param name="dryRun">Report what would go without deleting.</param>
    /// <param name="cancellationToken">Stops waiting (the collection carries on).</param>
    public Task<ArtifactGcReport> CollectArtifactGarbageAsync(TimeSpan? grace = null, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        if (grace is { } g && g < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(grace), g, "grace must not be negative");
        }
        return Catalog.CollectGarbageAsync(grace, dryRun).WaitAsync(cancellationToken);
    }

    // Small chunks, several in flight: measured faster across hosts than few 16 MiB ones (see ArtifactPlaneOptions).
    private const int UploadChunkBytes = 1024 * 1024;

    private const int UploadWindow = 8;

    private IArtifactCatalogGrain Catalog => Cluster.GetGrain<IArtifactCatalogGrain>(IArtifactCatalogGrain.Key);
}
