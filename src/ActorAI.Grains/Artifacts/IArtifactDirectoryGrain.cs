using System.Collections.Immutable;

namespace ActorAI.Grains.Artifacts;

/// <summary>
/// Where one artifact's copies are (persisted): its size, the stores holding it, when it was first stored and when it
/// was last written (a write of the same bytes again renews its grace period against garbage collection).
/// </summary>
[GenerateSerializer, Immutable, Alias("ActorAI.ArtifactRecord")]
internal sealed record ArtifactRecord(
    [property: Id(0)] string Sha256,
    [property: Id(1)] long Size,
    [property: Id(2)] ImmutableArray<string> Stores,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset WrittenAt);

/// <summary>
/// One of the 16 partitions of the artifact directory (key: the first hex digit of the hashes it holds), persisted in
/// grain storage (PostgreSQL in the cluster profiles): the locations of every artifact, never the bytes.
/// </summary>
[Alias("ActorAI.IArtifactDirectoryGrain")]
internal interface IArtifactDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The record of an artifact, or null.</summary>
    [Alias("Get"), Orleans.Concurrency.ReadOnly]
    Task<ArtifactRecord?> GetAsync(string sha256);

    /// <summary>Every record of the partition.</summary>
    [Alias("List"), Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<ArtifactRecord>> ListAsync();

    /// <summary>
    /// Records that <paramref name="stores"/> hold the artifact (creating the record when new); <paramref name="written"/>
    /// marks a new write of it, which renews its grace period.
    /// </summary>
    [Alias("Record")]
    Task RecordAsync(string sha256, long size, IReadOnlyList<string> stores, bool written = false);

    /// <summary>Forgets an artifact (after its copies were deleted).</summary>
    [Alias("Remove")]
    Task RemoveAsync(string sha256);

    /// <summary>
    /// Starts a copy of every artifact with fewer than <paramref name="wanted"/> copies among <paramref name="liveStores"/>
    /// onto live stores that lack it; returns the number of copies started.
    /// </summary>
    [Alias("Repair")]
    Task<int> RepairAsync(IReadOnlyList<string> liveStores, int wanted);
}
