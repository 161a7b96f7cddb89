namespace ActorAI.Abstractions.Serving;

/// <summary>Lifecycle of a replica.</summary>
public enum ReplicaState
{
    /// <summary>Loading its weights.</summary>
    Loading,
    /// <summary>Serving requests.</summary>
    Ready,
    /// <summary>Finishing its requests before it stops; refuses new ones.</summary>
    Draining,
    /// <summary>Could not load (see the deployment's last error).</summary>
    Failed,
    /// <summary>Loaded, but its decode loop failed: it refuses requests, and its deployment replaces it.</summary>
    Faulted,
}

/// <summary>Lifecycle of a deployment.</summary>
public enum DeploymentStatus
{
    /// <summary>No deployment of that name.</summary>
    None,
    /// <summary>Replicas are loading; nothing serves yet.</summary>
    Starting,
    /// <summary>At least one replica of the current version serves.</summary>
    Ready,
    /// <summary>Scaled to zero replicas; the next request starts one.</summary>
    Idle,
    /// <summary>Replicas cannot be started (see <see cref="DeploymentInfo.LastError"/>).</summary>
    Failed,
}

/// <summary>One replica as its deployment sees it.</summary>
/// <param name="Id">Replica grain key (<c>deployment/n</c>).</param>
/// <param name="Version">Model version it serves.</param>
/// <param name="State">Its lifecycle state.</param>
/// <param name="Silo">Silo it was last seen on, when known.</param>
/// <param name="Outstanding">Requests queued or decoding at the last poll.</param>
/// <param name="StageSilos">For a pipelined replica, the silo of each stage (its model shards) at the last poll; empty otherwise.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ReplicaInfo")]
public sealed record ReplicaInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] int Version,
    [property: Id(2)] ReplicaState State,
    [property: Id(3)] string? Silo,
    [property: Id(4)] int Outstanding,
    [property: Id(5)] IReadOnlyList<string>? StageSilos = null);

/// <summary>A deployment: its spec, the versions it resolved to, and its replicas.</summary>
/// <param name="Name">Deployment name.</param>
/// <param name="Spec">The spec; <see langword="null"/> when no deployment of that name exists.</param>
/// <param name="Status">Lifecycle status.</param>
/// <param name="Version">Model version the main traffic goes to (0 before the first resolution).</param>
/// <param name="CanaryVersion">Version the canary share goes to, if any.</param>
/// <param name="Replicas">Current replicas.</param>
/// <param name="LastError">The last failure to resolve or load, if any.</param>
/// <param name="UpdatedAt">When the deployment last changed.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.DeploymentInfo")]
public sealed record DeploymentInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] DeploymentSpec? Spec,
    [property: Id(2)] DeploymentStatus Status,
    [property: Id(3)] int Version,
    [property: Id(4)] int? CanaryVersion,
    [property: Id(5)] IReadOnlyList<ReplicaInfo> Replicas,
    [property: Id(6)] string? LastError,
    [property: Id(7)] DateTimeOffset UpdatedAt);

/// <summary>
/// What a router needs to pick a replica: the ready replicas of the main version and of the canary, the canary's share,
/// and a revision that changes whenever the table does.
/// </summary>
[GenerateSerializer, Immutable, Alias("ActorAI.RoutingTable")]
public sealed record RoutingTable(
    [property: Id(0)] string Deployment,
    [property: Id(1)] long Revision,
    [property: Id(2)] string Model,
    [property: Id(3)] int Version,
    [property: Id(4)] IReadOnlyList<string> Replicas,
    [property: Id(5)] int? CanaryVersion,
    [property: Id(6)] IReadOnlyList<string> CanaryReplicas,
    [property: Id(7)] int CanaryPercent,
    [property: Id(8)] int ContextLength);

/// <summary>A replica's load, polled by its deployment for autoscaling.</summary>
/// <param name="State">Lifecycle state.</param>
/// <param name="Active">Sequences decoding.</param>
/// <param name="Queued">Requests waiting for a batch slot.</param>
/// <param name="Silo">The silo it runs on.</param>
/// <param name="Served">Requests finished since activation.</param>
/// <param name="LastRequestAt">When it last received a request.</param>
/// <param name="ContextLength">The loaded model's context length (0 while loading).</param>
/// <param name="StageSilos">For a pipelined replica, the silo each stage last answered from; empty otherwise.</param>
/// <param name="StageBytes">For a pipelined replica, bytes of activations and logits exchanged with its stages since it loaded.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ReplicaLoad")]
public sealed record ReplicaLoad(
    [property: Id(0)] ReplicaState State,
    [property: Id(1)] int Active,
    [property: Id(2)] int Queued,
    [property: Id(3)] string Silo,
    [property: Id(4)] long Served,
    [property: Id(5)] DateTimeOffset LastRequestAt,
    [property: Id(6)] int ContextLength,
    [property: Id(7)] IReadOnlyList<string>? StageSilos = null,
    [property: Id(8)] long StageBytes = 0)
{
    /// <summary>Requests queued or decoding.</summary>
    public int Outstanding => Active + Queued;
}

/// <summary>What a replica loads and how it batches.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.ReplicaSpec")]
public sealed record ReplicaSpec(
    [property: Id(0)] string Deployment,
    [property: Id(1)] string Model,
    [property: Id(2)] int Version,
    [property: Id(3)] string Artifact,
    [property: Id(4)] string Tokenizer,
    [property: Id(5)] int MaxBatch,
    [property: Id(6)] int MaxQueue,
    [property: Id(7)] int MaxBatchedTokens = DeploymentSpec.DefaultMaxBatchedTokens,
    [property: Id(8)] int BlockSize = DeploymentSpec.DefaultBlockSize,
    [property: Id(9)] int? KvCacheTokens = null,
    [property: Id(10)] bool PrefixCaching = true,
    [property: Id(11)] int Stages = 1);
