using Orleans.Concurrency;

namespace ActorAI.Grains.Artifacts;

/// <summary>
/// The artifact store of one silo's disk (key: its store id), placed on the silo that has it: serves chunks, takes
/// pushed copies, copies from other stores when repair asks, deletes for garbage collection.
/// </summary>
[Alias("ActorAI.IArtifactHostGrain")]
internal interface IArtifactHostGrain : IGrainWithStringKey
{
    /// <summary>Up to <paramref name="count"/> bytes (at most 16 MiB) of a held artifact from <paramref name="offset"/>.</summary>
    [Alias("Read")]
    Task<Immutable<byte[]>> ReadAsync(string sha256, long offset, int count);

    /// <summary>Writes one chunk of an incoming copy.</summary>
    [Alias("Write")]
    Task WriteAsync(Guid transfer, long offset, Immutable<byte[]> data);

    /// <summary>Verifies the incoming copy (size and hash) and stores it durably.</summary>
    [Alias("Commit")]
    Task CommitAsync(Guid transfer, string sha256, long size);

    /// <summary>Copies an artifact from the first of <paramref name="sources"/> that serves it, then records the copy.</summary>
    [Alias("CopyFrom"), OneWay]
    Task CopyFromAsync(string sha256, long size, IReadOnlyList<string> sources);

    /// <summary>Deletes this store's copy (no-op when absent).</summary>
    [Alias("Delete")]
    Task DeleteAsync(string sha256);

    /// <summary>The hashes this store holds.</summary>
    [Alias("List")]
    Task<IReadOnlyList<string>> ListAsync();
}
