using ActorAI.Abstractions;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Client;

/// <summary>The model registry: versions, lineage, tags and aliases.</summary>
public sealed partial class ActorAIClient
{
    /// <summary>Every registered model, in registration order.</summary>
    public async Task<IReadOnlyList<ModelInfo>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> names = await Index(INameIndexGrain.Models).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        ModelInfo[] infos = await Task.WhenAll(names.Select(n => Model(n).GetAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. infos.Where(i => i.Versions.Count > 0)];
    }

    /// <summary>A model, or <see langword="null"/> when nothing is registered under <paramref name="name"/>.</summary>
    public async Task<ModelInfo?> GetModelAsync(string name)
    {
        ModelInfo info = await Model(name).GetAsync().ConfigureAwait(false);
        return info.Versions.Count > 0 ? info : null;
    }

    /// <summary>A version by number, alias or <c>latest</c>.</summary>
    /// <exception cref="ModelRegistryException">No such model, version or alias.</exception>
    public Task<ModelVersion> ResolveModelAsync(string name, string versionOrAlias) => Model(name).ResolveAsync(versionOrAlias);

    /// <summary>Registers the final weights of a succeeded training job as a new version of <paramref name="name"/>.</summary>
    /// <exception cref="ModelRegistryException">The name breaks <see cref="ModelNames"/>' rule, or the job does not exist or has not succeeded.</exception>
    public Task<ModelVersion> RegisterModelFromJobAsync(string name, string jobId, IReadOnlyList<string>? tags = null)
    {
        ModelNames.ThrowIfInvalid(name);
        return Model(name).RegisterFromJobAsync(jobId, tags ?? []);
    }

    /// <summary>Imports a safetensors checkpoint (a path the silo can read) as a new version of <paramref name="name"/>.</summary>
    /// <exception cref="ModelRegistryException">The name breaks <see cref="ModelNames"/>' rule, or the file is missing or not a valid checkpoint.</exception>
    public Task<ModelVersion> ImportModelAsync(string name, string path, ModelLineage? lineage = null, IReadOnlyList<string>? tags = null)
    {
        ModelNames.ThrowIfInvalid(name);
        return Model(name).ImportCheckpointAsync(path, lineage ?? new ModelLineage(null, null, null, null, new Dictionary<string, string>(), new Dictionary<string, double>()), tags ?? []);
    }

    /// <summary>Points an alias at a version; deployments following the alias roll over to it.</summary>
    /// <exception cref="ModelRegistryException">No such version, or the alias breaks <see cref="ModelNames"/>' alias rule.</exception>
    public async Task<ModelInfo> SetModelAliasAsync(string name, string alias, int version)
    {
        ModelNames.ThrowIfInvalidAlias(alias);
        ModelInfo info = await Model(name).SetAliasAsync(alias, version).ConfigureAwait(false);
        await RefreshDeploymentsOfAsync(name).ConfigureAwait(false);
        return info;
    }

    /// <summary>Removes an alias.</summary>
    /// <exception cref="ModelRegistryException">No such alias.</exception>
    public Task<ModelInfo> RemoveModelAliasAsync(string name, string alias) => Model(name).RemoveAliasAsync(alias);

    /// <summary>Adds a tag to a version.</summary>
    public Task<ModelVersion> TagModelVersionAsync(string name, int version, string tag) => Model(name).TagAsync(version, tag);

    private IModelGrain Model(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Cluster.GetGrain<IModelGrain>(name);
    }

    private INameIndexGrain Index(string kind) => Cluster.GetGrain<INameIndexGrain>(kind);

    // A moved alias takes effect at once in the deployments that follow it (they also poll on their own).
    private async Task RefreshDeploymentsOfAsync(string model)
    {
        foreach (DeploymentInfo deployment in await ListDeploymentsAsync().ConfigureAwait(false))
        {
            if (deployment.Spec?.Model == model)
            {
                await Cluster.GetGrain<IDeploymentGrain>(deployment.Name).RefreshAsync().ConfigureAwait(false);
            }
        }
    }
}
