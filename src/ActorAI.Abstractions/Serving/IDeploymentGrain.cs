namespace ActorAI.Abstractions.Serving;

/// <summary>A deployment (key: its name), persisted: it resolves its model version, runs and scales its replicas.</summary>
[Alias("ActorAI.IDeploymentGrain")]
public interface IDeploymentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the deployment or changes its spec, then starts replicas. When the resolved version changes, new replicas
    /// load before the old ones drain, so no request fails.
    /// </summary>
    /// <exception cref="DeploymentException">The spec is invalid or the model/version does not resolve.</exception>
    [Alias("Apply")]
    Task<DeploymentInfo> ApplyAsync(DeploymentSpec spec);

    /// <summary>The deployment's state (<see cref="DeploymentInfo.Spec"/> null when it does not exist).</summary>
    [Alias("Get"), Orleans.Concurrency.AlwaysInterleave]
    Task<DeploymentInfo> GetAsync();

    /// <summary>
    /// The replicas to route to. With <paramref name="wake"/> and no ready replica (scaled to zero, or after a failure)
    /// it starts one and returns once it is loaded.
    /// </summary>
    /// <exception cref="DeploymentNotFoundException">No such deployment.</exception>
    [Alias("Route")]
    Task<RoutingTable> GetRoutingTableAsync(bool wake);

    /// <summary>A router could not reach <paramref name="replicaId"/>: re-check it and restore the replica count.</summary>
    [Alias("ReportFailure"), Orleans.Concurrency.OneWay]
    Task ReportReplicaFailureAsync(string replicaId);

    /// <summary>Re-resolves the model version now (an alias may have moved) and rolls replicas over if it changed.</summary>
    [Alias("Refresh")]
    Task<DeploymentInfo> RefreshAsync();

    /// <summary>Drains and stops every replica and forgets the deployment.</summary>
    [Alias("Delete")]
    Task DeleteAsync();
}

/// <summary>
/// One inference replica (key: <c>deployment/n</c>), placed on a silo with the <c>serve</c> role. It loads its weights
/// once (verified by hash) and runs a continuous-batching decode loop on its own thread.
/// </summary>
[Alias("ActorAI.IReplicaGrain")]
public interface IReplicaGrain : IGrainWithStringKey
{
    /// <summary>Loads <paramref name="spec"/> (idempotent) and returns once the replica serves.</summary>
    [Alias("Start")]
    Task<ReplicaLoad> StartAsync(ReplicaSpec spec);

    /// <summary>
    /// Generates, streaming chunks as tokens are produced. The request joins the running batch at the next decode step;
    /// disposing the enumeration cancels it.
    /// </summary>
    /// <exception cref="GenerationRequestException">The prompt or parameters do not fit the model.</exception>
    /// <exception cref="ServiceOverloadedException">The replica's queue is full.</exception>
    /// <exception cref="ReplicaUnavailableException">The replica is draining or not loaded.</exception>
    [Alias("Generate")]
    IAsyncEnumerable<GenerationChunk> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Current load.</summary>
    [Alias("Load"), Orleans.Concurrency.AlwaysInterleave]
    Task<ReplicaLoad> GetLoadAsync();

    /// <summary>What the replica served over its recent window (see <see cref="ServingStats"/>).</summary>
    [Alias("Stats"), Orleans.Concurrency.AlwaysInterleave]
    Task<ServingStats> GetStatsAsync();

    /// <summary>Refuses new requests, finishes the running ones, then unloads.</summary>
    [Alias("Drain"), Orleans.Concurrency.AlwaysInterleave]
    Task DrainAsync();
}
