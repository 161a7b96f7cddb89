using System.Runtime.CompilerServices;
using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using Microsoft.Extensions.AI;

namespace ActorAI.Dashboard.Data;

/// <summary>The dashboard's data from a live cluster, through <see cref="ActorAIClient"/> (and Orleans' management grain for runtime figures).</summary>
public sealed class ClusterDashboardData(ActorAIClient client) : IDashboardData
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<SiloView>> GetSilosAsync(CancellationToken cancellationToken = default)
    {
        var silos = await client.GetSilosAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        IManagementGrain management = client.Cluster.GetGrain<IManagementGrain>(0);
        Dictionary<SiloAddress, SiloStatus> hosts = await management.GetHosts(onlyActive: true).WaitAsync(cancellationToken).ConfigureAwait(false);
        SiloAddress[] active = [.. hosts.Keys];
        var stats = new Dictionary<string, SiloRuntimeStatistics>(StringComparer.Ordinal);
        if (active.Length > 0)
        {
            SiloRuntimeStatistics[] figures = await management.GetRuntimeStatistics(active).WaitAsync(cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < active.Length && i < figures.Length; i++)
            {
                stats[active[i].ToParsableString()] = figures[i];
            }
        }
        return [.. silos.Select(s => stats.TryGetValue(s.Address, out SiloRuntimeStatistics? r)
            ? new SiloView(s, r.ActivationCount, r.EnvironmentStatistics.FilteredCpuUsagePercentage, r.EnvironmentStatistics.FilteredMemoryUsageBytes)
            : new SiloView(s, null, null, null))];
    }

    /// <inheritdoc />
    public Task<TrainingJobPage> QueryJobsAsync(TrainingJobQuery query, CancellationToken cancellationToken = default) =>
        client.QueryTrainingJobsAsync(query, cancellationToken);

    /// <inheritdoc />
    public Task<TrainingJobInfo?> GetJobAsync(string jobId) => client.GetTrainingJobAsync(jobId);

    /// <inheritdoc />
    public Task<IReadOnlyList<TrainingMetrics>> GetJobMetricsAsync(string jobId, long afterStep, int max) =>
        client.GetTrainingMetricsAsync(jobId, afterStep, max);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TrainingJobEvent>> GetJobEventsAsync(string jobId, int max)
    {
        TrainingJobIds.ThrowIfInvalid(jobId);
        return (await client.Cluster.GetGrain<ITrainingJobEventsGrain>(jobId).GetAsync(max).ConfigureAwait(false)).Events;
    }

    /// <inheritdoc />
    public async Task<JobPlacement> GetJobPlacementAsync(string jobId, int trainers, int shards)
    {
        IManagementGrain management = client.Cluster.GetGrain<IManagementGrain>(0);
        // Trainer and shard keys are "job/rank" and "job/shard" (see the grain interfaces).
        string?[] trainerSilos = await Task.WhenAll(Enumerable.Range(0, trainers).Select(async rank =>
            (await management.GetActivationAddress(client.Cluster.GetGrain<ITrainerGrain>($"{jobId}/{rank}")).ConfigureAwait(false))?.ToParsableString())).ConfigureAwait(false);
        string?[] shardSilos = await Task.WhenAll(Enumerable.Range(0, shards).Select(async shard =>
            (await management.GetActivationAddress(client.Cluster.GetGrain<IParameterShardGrain>($"{jobId}/{shard}")).ConfigureAwait(false))?.ToParsableString())).ConfigureAwait(false);
        return new JobPlacement(trainerSilos, shardSilos);
    }

    /// <inheritdoc />
    public Task<TrainingJobInfo> PauseJobAsync(string jobId) => client.PauseTrainingJobAsync(jobId);

    /// <inheritdoc />
    public Task<TrainingJobInfo> ResumeJobAsync(string jobId) => client.ResumeTrainingJobAsync(jobId);

    /// <inheritdoc />
    public Task<TrainingJobInfo> CancelJobAsync(string jobId) => client.CancelTrainingJobAsync(jobId);

    /// <inheritdoc />
    public Task<TrainingJobInfo> ScaleJobAsync(string jobId, int workers) => client.ScaleTrainingJobAsync(jobId, workers);

    /// <inheritdoc />
    public async Task<Paged<string>> ListModelsAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        (IReadOnlyList<string> names, int total) = await client.ListModelNamesAsync(skip, take, cancellationToken).ConfigureAwait(false);
        return new Paged<string>(names, total);
    }

    /// <inheritdoc />
    public async Task<ModelPage?> GetModelAsync(string name, int skip, int take)
    {
        ModelPage page = await client.GetModelPageAsync(name, skip, take).ConfigureAwait(false);
        return page.TotalVersions == 0 ? null : page;
    }

    /// <inheritdoc />
    public Task SetAliasAsync(string model, string alias, int version) => client.SetModelAliasAsync(model, alias, version);

    /// <inheritdoc />
    public Task<ModelVersion> RegisterJobAsync(string model, string jobId) => client.RegisterModelFromJobAsync(model, jobId);

    /// <inheritdoc />
    public async Task<Paged<DeploymentInfo>> ListDeploymentsAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DeploymentInfo> all = await client.ListDeploymentsAsync(cancellationToken).ConfigureAwait(false);
        return new Paged<DeploymentInfo>([.. all.Skip(skip).Take(take)], all.Count);
    }

    /// <inheritdoc />
    public Task<DeploymentInfo?> GetDeploymentAsync(string name) => client.GetDeploymentAsync(name);

    /// <inheritdoc />
    public Task<DeploymentStats> GetDeploymentStatsAsync(string name, CancellationToken cancellationToken = default) =>
        client.GetDeploymentStatsAsync(name, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async Task<DeploymentInfo> ScaleDeploymentAsync(string name, int replicas)
    {
        DeploymentInfo current = await client.GetDeploymentAsync(name).ConfigureAwait(false) ?? throw new DeploymentNotFoundException(name);
        return await client.DeployAsync(name, current.Spec! with { MinReplicas = replicas, MaxReplicas = replicas }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task DeleteDeploymentAsync(string name) => client.DeleteDeploymentAsync(name);

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ChatAsync(string deployment, string prompt, int maxTokens, float temperature, long? seed,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using IChatClient chat = client.AsChatClient(deployment);
        var options = new ChatOptions { MaxOutputTokens = maxTokens, Temperature = temperature, Seed = seed };
        await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)], options, cancellationToken).ConfigureAwait(false))
        {
            if (!string.IsNullOrEmpty(update.Text))
            {
                yield return update.Text;
            }
        }
    }

    /// <inheritdoc />
    public async Task<Paged<ApiKeyInfo>> ListKeysAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ApiKeyInfo> all = await client.ListApiKeysAsync(cancellationToken).ConfigureAwait(false);
        return new Paged<ApiKeyInfo>([.. all.Reverse().Skip(skip).Take(take)], all.Count);
    }

    /// <inheritdoc />
    public Task<ApiKeyCreated> CreateKeyAsync(string name, string role) => client.CreateApiKeyAsync(name, [role]);

    /// <inheritdoc />
    public Task RevokeKeyAsync(string id) => client.RevokeApiKeyAsync(id);
}
