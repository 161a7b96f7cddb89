namespace ActorAI.Abstractions.Artifacts;

/// <summary>One artifact of the cluster's content-addressed store.</summary>
/// <param name="Sha256">The SHA-256 of its bytes (lower-case hex), which is its name.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Locations">The stores (one per silo's disk) recorded as holding a copy.</param>
/// <param name="LiveCopies">How many of <paramref name="Locations"/> belong to silos that are active now.</param>
/// <param name="CreatedAt">When it was first recorded.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ArtifactInfo")]
public sealed record ArtifactInfo(
    [property: Id(0)] string Sha256,
    [property: Id(1)] long Size,
    [property: Id(2)] IReadOnlyList<string> Locations,
    [property: Id(3)] int LiveCopies,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>What a garbage collection of the artifact store found and removed.</summary>
/// <param name="Examined">Artifacts recorded in the store.</param>
/// <param name="Referenced">Artifacts referenced by a model version, dataset or retained checkpoint.</param>
/// <param name="Young">Unreferenced artifacts kept because they are younger than the grace period.</param>
/// <param name="Deleted">Artifacts deleted (or, on a dry run, that would be).</param>
/// <param name="DeletedBytes">Bytes of one copy of each deleted artifact.</param>
/// <param name="DryRun">Whether nothing was deleted.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ArtifactGcReport")]
public sealed record ArtifactGcReport(
    [property: Id(0)] int Examined,
    [property: Id(1)] int Referenced,
    [property: Id(2)] int Young,
    [property: Id(3)] IReadOnlyList<string> Deleted,
    [property: Id(4)] long DeletedBytes,
    [property: Id(5)] bool DryRun);

/// <summary>An artifact is missing, corrupt or could not be moved; the message names the hash.</summary>
[GenerateSerializer, Alias("ActorAI.ArtifactException")]
public sealed class ArtifactException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ArtifactException(string message) : base(message) { }

    /// <summary>Creates the exception with a cause.</summary>
    public ArtifactException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with no detail.</summary>
    public ArtifactException() : base("Artifact missing or corrupt.") { }
}

/// <summary>Limits and names shared by every side of the artifact plane.</summary>
public static class ArtifactLimits
{
    /// <summary>The largest chunk one message carries (16 MiB), below Orleans' message size limit.</summary>
    public const int MaxChunkBytes = 16 * 1024 * 1024;

    /// <summary>Whether <paramref name="sha256"/> is a lower-case SHA-256 hex digest.</summary>
    public static bool IsSha256(string? sha256) => sha256 is { Length: 64 } && sha256.All(char.IsAsciiHexDigitLower);

    /// <summary>Throws <see cref="ArtifactException"/> unless <paramref name="sha256"/> is a lower-case SHA-256 hex digest.</summary>
    public static string RequireSha256(string? sha256) =>
        IsSha256(sha256) ? sha256! : throw new ArtifactException($"'{sha256}' is not a lower-case SHA-256 hex digest (64 characters 0-9a-f)");
}
