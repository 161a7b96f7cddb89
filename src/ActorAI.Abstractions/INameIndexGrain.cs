namespace ActorAI.Abstractions;

/// <summary>An index of names (training jobs, models, deployments, API keys, datasets), key: the kind.</summary>
[Alias("ActorAI.INameIndexGrain")]
public interface INameIndexGrain : IGrainWithStringKey
{
    /// <summary>Index key of submitted training jobs.</summary>
    public const string TrainingJobs = "training-jobs";
    /// <summary>Index key of registered models.</summary>
    public const string Models = "models";
    /// <summary>Index key of deployments.</summary>
    public const string Deployments = "deployments";
    /// <summary>Index key of API keys (by key id).</summary>
    public const string ApiKeys = "api-keys";
    /// <summary>Index key of named datasets.</summary>
    public const string Datasets = "datasets";

    /// <summary>Adds a name (no-op when present).</summary>
    [Alias("Add")]
    Task AddAsync(string name);

    /// <summary>Removes a name (no-op when absent).</summary>
    [Alias("Remove")]
    Task RemoveAsync(string name);

    /// <summary>Every name, in the order added.</summary>
    [Alias("List"), Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> ListAsync();
}
