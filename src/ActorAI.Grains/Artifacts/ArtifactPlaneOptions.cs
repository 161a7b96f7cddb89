namespace ActorAI.Grains.Artifacts;

/// <summary>How the cluster's artifact plane replicates, repairs and collects artifacts.</summary>
public sealed class ArtifactPlaneOptions
{
    /// <summary>
    /// Copies an artifact must have on distinct silos' stores before a write is acknowledged, and that repair restores
    /// after a silo is lost. Capped by the number of live stores (so 1 on a single silo). Default 2.
    /// </summary>
    public int Replicas { get; set; } = 2;

    /// <summary>How old an unreferenced artifact must be before garbage collection deletes it. Default 1 hour.</summary>
    public TimeSpan GarbageGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the cluster checks for under-replicated artifacts besides on every membership change. Default 10 s.</summary>
    public TimeSpan RepairInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bytes per message when an artifact moves between silos (at most 16 MiB). Default 1 MiB: measured between namespace
    /// hosts, 1 MiB × 16 in flight moved about twice as fast as 4 MiB × 8 or 16 MiB × 4.
    /// </summary>
    public int TransferChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>Chunks one transfer keeps in flight. Default 16.</summary>
    public int TransferWindow { get; set; } = 16;
}
