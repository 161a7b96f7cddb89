using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;

namespace ActorAI.Dashboard.Data;

/// <summary>A silo as the overview shows it: membership, resources and live runtime figures (when the silo answered).</summary>
/// <param name="Silo">Membership and advertised resources.</param>
/// <param name="Activations">Grain activations on the silo, if it answered.</param>
/// <param name="CpuPercent">CPU usage in percent, if known.</param>
/// <param name="MemoryUsedBytes">Memory in use, if known.</param>
public sealed record SiloView(SiloInfo Silo, int? Activations, float? CpuPercent, long? MemoryUsedBytes);

/// <summary>Where a job's grains live: the silo of each trainer rank and each parameter shard (null when not active).</summary>
public sealed record JobPlacement(IReadOnlyList<string?> Trainers, IReadOnlyList<string?> Shards);

/// <summary>A page of items and how many there are in all.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Total);

/// <summary>
/// Everything the dashboard reads and does, in one seam: the real implementation (<see cref="ClusterDashboardData"/>)
/// wraps <see cref="Client.ActorAIClient"/>; component tests give the pages their own.
/// </summary>
public interface IDashboardData
{
    /// <summary>Every silo the membership table knows (dead ones included), with runtime figures for the live ones.</summary>
    Task<IReadOnlyList<SiloView>> GetSilosAsync(CancellationToken cancellationToken = default);

    /// <summary>A page of jobs from the job catalog.</summary>
    Task<TrainingJobPage> QueryJobsAsync(TrainingJobQuery query, CancellationToken cancellationToken = default);

    /// <summary>A job, or null when there is none.</summary>
    Task<TrainingJobInfo?> GetJobAsync(string jobId);

    /// <summary>Metrics after <paramref name="afterStep"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<TrainingMetrics>> GetJobMetricsAsync(string jobId, long afterStep, int max);

    /// <summary>The newest <paramref name="max"/> events of a job's persisted event log, newest first.</summary>
    Task<IReadOnlyList<TrainingJobEvent>> GetJobEventsAsync(string jobId, int max);

    /// <summary>The silos of a job's trainers and shards.</summary>
    Task<JobPlacement> GetJobPlacementAsync(string jobId, int trainers, int shards);

    /// <summary>Pauses a job.</summary>
    Task<TrainingJobInfo> PauseJobAsync(string jobId);

    /// <summary>Resumes a job.</summary>
    Task<TrainingJobInfo> ResumeJobAsync(string jobId);

    /// <summary>Cancels a job.</summary>
    Task<TrainingJobInfo> CancelJobAsync(string jobId);

    /// <summary>Changes a job's trainer count.</summary>
    Task<TrainingJobInfo> ScaleJobAsync(string jobId, int workers);

    /// <summary>A page of registered model names.</summary>
    Task<Paged<string>> ListModelsAsync(int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>A page of one model, or null when it has no versions.</summary>
    Task<ModelPage?> GetModelAsync(string name, int skip, int take);

    /// <summary>Points an alias at a version (deployments following it roll).</summary>
    Task SetAliasAsync(string model, string alias, int version);

    /// <summary>Registers a succeeded job's weights as a new version.</summary>
    Task<ModelVersion> RegisterJobAsync(string model, string jobId);

    /// <summary>A page of deployments.</summary>
    Task<Paged<DeploymentInfo>> ListDeploymentsAsync(int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>A deployment, or null.</summary>
    Task<DeploymentInfo?> GetDeploymentAsync(string name);

    /// <summary>A deployment's serving figures over its replicas' recent window.</summary>
    Task<DeploymentStats> GetDeploymentStatsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Sets a deployment's replica range to exactly <paramref name="replicas"/>.</summary>
    Task<DeploymentInfo> ScaleDeploymentAsync(string name, int replicas);

    /// <summary>Drains and removes a deployment.</summary>
    Task DeleteDeploymentAsync(string name);

    /// <summary>
    /// Streams a chat answer from a deployment, piece by piece, sampled at <paramref name="temperature"/> (0: greedy)
    /// and, with a <paramref name="seed"/>, reproducibly.
    /// </summary>
    IAsyncEnumerable<string> ChatAsync(string deployment, string prompt, int maxTokens, float temperature, long? seed, CancellationToken cancellationToken = default);

    /// <summary>A page of API keys (never the secrets).</summary>
    Task<Paged<ApiKeyInfo>> ListKeysAsync(int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>Creates a key; the result carries the only copy of the secret.</summary>
    Task<ApiKeyCreated> CreateKeyAsync(string name, string role);

    /// <summary>Revokes a key.</summary>
    Task RevokeKeyAsync(string id);
}
