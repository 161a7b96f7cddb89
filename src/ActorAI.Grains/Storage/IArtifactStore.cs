using ActorAI.Abstractions.Artifacts;

namespace ActorAI.Grains.Storage;

/// <summary>
/// Content-addressed storage for tensors (checkpoints, snapshots, final weights): each artifact is named by the
/// SHA-256 of its bytes and verified against it whenever it is read. Grain state holds only the hashes.
/// </summary>
public interface IArtifactStore
{
    /// <summary>A fresh path in the store's own file system to write a new artifact to before <see cref="ImportAsync"/>.</summary>
    string NewTemporaryPath(string extension);

    /// <summary>
    /// Moves the finished file at <paramref name="temporaryPath"/> into the store under its SHA-256 (computed here) and
    /// returns the hash. The artifact is durable (flushed, and on a cluster store held by the wanted number of silos)
    /// when this returns.
    /// </summary>
    /// <exception cref="ArtifactException">
    /// <paramref name="expectedSha256"/> was given and the bytes hash to something else (the file is deleted).
    /// </exception>
    Task<string> ImportAsync(string temporaryPath, string? expectedSha256 = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The path of a local copy of artifact <paramref name="sha256"/> after verifying its bytes against the hash; a
    /// cluster store fetches the artifact from a silo that holds it first when this silo does not.
    /// </summary>
    /// <exception cref="ArtifactException">No such artifact, or its bytes do not match the hash.</exception>
    Task<string> OpenVerifiedAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>The record of a stored artifact: size, where its copies are, when it was stored.</summary>
    /// <exception cref="ArtifactException">The artifact is not stored.</exception>
    Task<ArtifactInfo> DescribeAsync(string sha256, CancellationToken cancellationToken = default);
}
