namespace ActorAI.Abstractions.Artifacts;

/// <summary>
/// One upload of a file into the artifact store (key: a fresh GUID per upload). Chunks of at most
/// <see cref="ArtifactLimits.MaxChunkBytes"/> are staged on the silo that hosts the upload;
/// <see cref="CompleteAsync"/> verifies the hash and stores the artifact cluster-wide.
/// </summary>
[Alias("ActorAI.IArtifactUploadGrain")]
public interface IArtifactUploadGrain : IGrainWithGuidKey
{
    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> of the staged file.</summary>
    /// <exception cref="ArtifactException">The chunk is too large, the offset is negative, or the upload was lost with its silo.</exception>
    [Alias("Write")]
    Task WriteAsync(long offset, [Immutable] byte[] data);

    /// <summary>
    /// Checks that the staged file is <paramref name="size"/> bytes hashing to <paramref name="sha256"/>, then stores
    /// it; returns once the artifact is durable on the wanted number of silos.
    /// </summary>
    /// <exception cref="ArtifactException">The size or hash does not match, or the upload was lost.</exception>
    [Alias("Complete")]
    Task<ArtifactInfo> CompleteAsync(string sha256, long size);

    /// <summary>Drops the staged file.</summary>
    [Alias("Abort")]
    Task AbortAsync();
}

/// <summary>The cluster-wide view of the artifact store (key: <see cref="Key"/>).</summary>
[Alias("ActorAI.IArtifactCatalogGrain")]
public interface IArtifactCatalogGrain : IGrainWithStringKey
{
    /// <summary>The one key of the catalog.</summary>
    public const string Key = "cluster";

    /// <summary>Every recorded artifact, by hash.</summary>
    [Alias("List")]
    Task<IReadOnlyList<ArtifactInfo>> ListAsync();

    /// <summary>One artifact's record, or <see langword="null"/> when it is not recorded.</summary>
    [Alias("Get")]
    Task<ArtifactInfo?> GetAsync(string sha256);

    /// <summary>
    /// Deletes every artifact that no model version, dataset or retained checkpoint references and that is older than
    /// <paramref name="grace"/> (the configured grace period when <see langword="null"/>).
    /// </summary>
    [Alias("CollectGarbage")]
    Task<ArtifactGcReport> CollectGarbageAsync(TimeSpan? grace, bool dryRun);
}
