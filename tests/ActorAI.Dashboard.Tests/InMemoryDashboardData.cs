using System.Runtime.CompilerServices;
using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Dashboard.Data;

namespace ActorAI.Dashboard.Tests;

/// <summary>The data seam over in-memory collections, recording the actions the pages take.</summary>
internal sealed class InMemoryDashboardData : IDashboardData
{
    public List<SiloView> Silos { get; } = [];
    public List<TrainingJobInfo> Jobs { get; } = [];
    public Dictionary<string, List<TrainingMetrics>> Metrics { get; } = [];
    public List<TrainingJobQuery> Queries { get; } = [];
    public List<string> Actions { get; } = [];
    public Dictionary<string, ModelInfo> Models { get; } = [];
    public List<DeploymentInfo> Deployments { get; } = [];
    public Dictionary<string, DeploymentStats> Stats { get; } = [];
    public List<string> ChatPieces { get; } = [];
    public List<ApiKeyInfo> Keys { get; } = [];
    public int KeyListCalls { get; private set; }

    public Task<IReadOnlyList<SiloView>> GetSilosAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<SiloView>>(Silos);

    public Task<TrainingJobPage> QueryJobsAsync(TrainingJobQuery query, CancellationToken cancellationToken = default)
    {
        Queries.Add(query);
        var matching = Jobs.Select(TrainingJobSummary.From).Where(query.Includes).Order(TrainingJobCatalog.NewestFirst).ToList();
        return Task.FromResult(new TrainingJobPage([.. matching.Skip(query.Skip).Take(query.Take)], matching.Count));
    }

    public Task<TrainingJobInfo?> GetJobAsync(string jobId) => Task.FromResult(Jobs.FirstOrDefault(j => j.JobId == jobId));

    public Task<IReadOnlyList<TrainingMetrics>> GetJobMetricsAsync(string jobId, long afterStep, int max) =>
        Task.FromResult<IReadOnlyList<TrainingMetrics>>([.. Metrics.GetValueOrDefault(jobId, []).Where(m => m.Step > afterStep).Take(max)]);

    public Dictionary<string, List<TrainingJobEvent>> Events { get; } = [];

    public Task<IReadOnlyList<TrainingJobEvent>> GetJobEventsAsync(string jobId, int max) =>
        Task.FromResult<IReadOnlyList<TrainingJobEvent>>([.. Events.GetValueOrDefault(jobId, []).AsEnumerable().Reverse().Take(max)]);

    public Task<JobPlacement> GetJobPlacementAsync(string jobId, int trainers, int shards) =>
        Task.FromResult(new JobPlacement([.. Enumerable.Range(0, trainers).Select(i => (string?)$"silo-{i % 2}")], [.. Enumerable.Range(0, shards).Select(_ => (string?)null)]));

    public Task<TrainingJobInfo> PauseJobAsync(string jobId) => Control(jobId, "pause", TrainingJobStatus.Paused);

    public Task<TrainingJobInfo> ResumeJobAsync(string jobId) => Control(jobId, "resume", TrainingJobStatus.Running);

    public Task<TrainingJobInfo> CancelJobAsync(string jobId) => Control(jobId, "cancel", TrainingJobStatus.Cancelled);

    public Task<TrainingJobInfo> ScaleJobAsync(string jobId, int workers)
    {
        Actions.Add($"scale {jobId} {workers}");
        int i = Jobs.FindIndex(j => j.JobId == jobId);
        Jobs[i] = Jobs[i] with { Workers = workers };
        return Task.FromResult(Jobs[i]);
    }

    public Task<Paged<string>> ListModelsAsync(int skip, int take, CancellationToken cancellationToken = default) =>
        Task.FromResult(new Paged<string>([.. Models.Keys.Skip(skip).Take(take)], Models.Count));

    public Task<ModelPage?> GetModelAsync(string name, int skip, int take)
    {
        if (!Models.TryGetValue(name, out ModelInfo? m))
        {
            return Task.FromResult<ModelPage?>(null);
        }
        return Task.FromResult<ModelPage?>(new ModelPage(name, [.. m.Versions.Reverse().Skip(skip).Take(take)], m.Versions.Count, m.Aliases,
            [.. m.AliasHistory.Reverse()], m.AliasHistory.Count));
    }

    public Task SetAliasAsync(string model, string alias, int version)
    {
        Actions.Add($"alias {model} {alias} {version}");
        ModelInfo m = Models[model];
        Models[model] = m with
        {
            Aliases = new Dictionary<string, int>(m.Aliases) { [alias] = version },
            AliasHistory = [.. m.AliasHistory, new AliasChange(alias, version, DateTimeOffset.UnixEpoch.AddDays(m.AliasHistory.Count + 1))],
        };
        return Task.CompletedTask;
    }

    public Task<ModelVersion> RegisterJobAsync(string model, string jobId)
    {
        Actions.Add($"register {model} {jobId}");
        throw new ModelRegistryException($"training job '{jobId}' does not exist");
    }

    public Task<Paged<DeploymentInfo>> ListDeploymentsAsync(int skip, int take, CancellationToken cancellationToken = default) =>
        Task.FromResult(new Paged<DeploymentInfo>([.. Deployments.Skip(skip).Take(take)], Deployments.Count));

    public Task<DeploymentInfo?> GetDeploymentAsync(string name) => Task.FromResult(Deployments.FirstOrDefault(d => d.Name == name));

    public Task<DeploymentStats> GetDeploymentStatsAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(Stats.GetValueOrDefault(name) ?? new DeploymentStats(name, new Dictionary<string, ServingStats>(), null));

    public Task<DeploymentInfo> ScaleDeploymentAsync(string name, int replicas)
    {
        Actions.Add($"scale-deployment {name} {replicas}");
        return Task.FromResult(Deployments.First(d => d.Name == name));
    }

    public Task DeleteDeploymentAsync(string name)
    {
        Actions.Add($"delete {name}");
        Deployments.RemoveAll(d => d.Name == name);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<string> ChatAsync(string deployment, string prompt, int maxTokens, float temperature, long? seed,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Actions.Add($"chat {deployment} {prompt}" + (seed is null ? "" : $" seed={seed}"));
        foreach (string piece in ChatPieces)
        {
            await Task.Yield();
            yield return piece;
        }
    }

    public Task<Paged<ApiKeyInfo>> ListKeysAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        KeyListCalls++;
        return Task.FromResult(new Paged<ApiKeyInfo>([.. Keys.Skip(skip).Take(take)], Keys.Count));
    }

    public Task<ApiKeyCreated> CreateKeyAsync(string name, string role)
    {
        Actions.Add($"create-key {name} {role}");
        var info = new ApiKeyInfo($"{Keys.Count + 1:x16}", name, [role], null, DateTimeOffset.UnixEpoch, null);
        Keys.Add(info);
        return Task.FromResult(new ApiKeyCreated(info, "aai_secret_shown_once"));
    }

    public Task RevokeKeyAsync(string id)
    {
        Actions.Add($"revoke {id}");
        int i = Keys.FindIndex(k => k.Id == id);
        Keys[i] = Keys[i] with { RevokedAt = DateTimeOffset.UnixEpoch };
        return Task.CompletedTask;
    }

    public static TrainingJobInfo Job(string id, TrainingJobStatus status, int submittedMinute, long step = 0, string model = "tiny") =>
        new(id, new TrainingJobSpec(model, "corpus@1", 100, 4), status, null, step, 2, null,
            step > 0 ? new TrainingMetrics(step, 2.5, 1e-3, 1, 1000, 2, 1, 2, 1, 1, 10) : null, null,
            DateTimeOffset.UnixEpoch.AddMinutes(submittedMinute), DateTimeOffset.UnixEpoch.AddMinutes(submittedMinute + 1), 0);

    private Task<TrainingJobInfo> Control(string jobId, string action, TrainingJobStatus status)
    {
        Actions.Add($"{action} {jobId}");
        int i = Jobs.FindIndex(j => j.JobId == jobId);
        Jobs[i] = Jobs[i] with { Status = status };
        return Task.FromResult(Jobs[i]);
    }
}
