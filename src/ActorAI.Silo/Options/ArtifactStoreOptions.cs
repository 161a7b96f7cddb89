namespace ActorAI.Silo.Options;

/// <summary>
/// The content-addressed artifact plane: where this silo's store (a cache of the cluster's artifacts) lives, how many
/// copies a write needs, and garbage collection. Section <c>Artifacts</c>.
/// </summary>
public sealed class ArtifactStoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Artifacts";

    /// <summary>Directory of the store; relative paths are under the current directory. Default <c>~/.actorai/artifacts</c>.</summary>
    public string Directory { get; set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".actorai", "artifacts");

    /// <summary>The most <see cref="Replicas"/> accepted.</summary>
    public const int MaximumReplicas = 16;

    /// <summary>
    /// Copies of every artifact, on distinct silos' stores, before a write is acknowledged; repair restores this count
    /// after a silo is lost. Capped by the live stores, so a single silo keeps one. 1 to <see cref="MaximumReplicas"/>;
    /// default 2.
    /// </summary>
    public int Replicas { get; set; } = 2;

    /// <summary>How old an unreferenced artifact must be before garbage collection deletes it. Default 1 hour.</summary>
    public TimeSpan GarbageGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the cluster looks for under-replicated artifacts besides on every membership change (1 s to 1 h). Default 10 s.</summary>
    public TimeSpan RepairInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Directories checkpoint imports (<c>actorai models register --checkpoint</c>, <c>checkpoint_path</c> of the admin
    /// API) may read from; relative entries are under the current directory. A path resolves only when its final
    /// target, symbolic links followed, is a file under one of them. Default empty: every import is refused. The dev
    /// profile allows the silo's current directory.
    /// </summary>
    public List<string> ImportRoots { get; set; } = [];

    /// <summary>Bytes per message when an artifact moves between silos (64 KiB to 16 MiB). Default 1 MiB.</summary>
    public int TransferChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>Chunks one transfer keeps in flight (1 to 64). Default 16.</summary>
    public int TransferWindow { get; set; } = 16;
}
