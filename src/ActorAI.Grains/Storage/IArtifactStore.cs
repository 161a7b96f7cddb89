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
    /// returns the hash. The artifact is durable (flushed) when this returns.
    /// </summary>
    Task<string> ImportAsync(string temporaryPath, CancellationToken cancellationToken = default);

    /// <summary>The path of artifact <paramref name="sha256"/> after verifying its bytes against the hash.</summary>
    /// <exception cref="ArtifactException">No such artifact, or its bytes do not match the hash.</exception>
    Task<string> OpenVerifiedAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>Whether artifact <paramref name="sha256"/> exists (not verified).</summary>
    bool Exists(string sha256);
}

/// <summary>An artifact is missing or corrupt; the message names the hash.</summary>
public sealed class ArtifactException : IOException
{
    public ArtifactException(string message) : base(message) { }

    public ArtifactException(string message, Exception inner) : base(message, inner) { }

    public ArtifactException() : base("Artifact missing or corrupt.") { }
}
