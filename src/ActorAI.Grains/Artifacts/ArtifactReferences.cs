using ActorAI.Abstractions;
using ActorAI.Abstractions.Datasets;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Training;

namespace ActorAI.Grains.Artifacts;

/// <summary>
/// The artifacts something still needs: model versions' weights and tokenizer files, every dataset version's files,
/// training jobs' retained checkpoints and results.
/// </summary>
internal static class ArtifactReferences
{
    public static async Task<HashSet<string>> CollectAsync(IGrainFactory grains)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        INameIndexGrain Index(string kind) => grains.GetGrain<INameIndexGrain>(kind);

        IReadOnlyList<string> models = await Index(INameIndexGrain.Models).ListAsync();
        foreach (IReadOnlyList<string> artifacts in await Task.WhenAll(models.Select(m => grains.GetGrain<IModelGrain>(m).GetArtifactReferencesAsync())))
        {
            referenced.UnionWith(artifacts);
        }
        IReadOnlyList<string> datasets = await Index(INameIndexGrain.Datasets).ListAsync();
        foreach (IReadOnlyList<string> artifacts in await Task.WhenAll(datasets.Select(d => grains.GetGrain<IDatasetGrain>(d).GetArtifactReferencesAsync())))
        {
            referenced.UnionWith(artifacts);
        }
        IReadOnlyList<string> jobs = await Index(INameIndexGrain.TrainingJobs).ListAsync();
        foreach (IReadOnlyList<string> artifacts in await Task.WhenAll(jobs.Select(j => grains.GetGrain<ITrainingJobGrain>(j).GetArtifactReferencesAsync())))
        {
            referenced.UnionWith(artifacts);
        }
        return referenced;
    }
}
