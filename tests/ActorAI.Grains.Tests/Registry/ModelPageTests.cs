using ActorAI.Abstractions.Registry;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;

namespace ActorAI.Grains.Tests.Registry;

[Collection(ClusterCollection.Name)]
public sealed class ModelPageTests(ClusterFixture fixture)
{
    private static readonly ModelLineage NoLineage = new(null, null, null, null, new Dictionary<string, string>(), new Dictionary<string, double>());

    [Fact]
    public async Task APagePutsTheNewestVersionsAndAliasChangesFirst()
    {
        IModelGrain model = fixture.Cluster.GrainFactory.GetGrain<IModelGrain>($"paged-{Guid.NewGuid():N}");
        string checkpoint = CheckpointFile();
        for (int i = 0; i < 5; i++)
        {
            await model.ImportCheckpointAsync(checkpoint, NoLineage, []);
        }
        await model.SetAliasAsync("production", 2);
        await model.SetAliasAsync("staging", 4);
        await model.SetAliasAsync("production", 3);
        // Not deactivated here: the memory provider's JSON cannot read a ModelState back (its version tags are a
        // compiler-generated list type outside the type allow-list); PostgreSQL storage uses the Orleans serializer.

        ModelPage second = await model.GetPageAsync(skip: 2, take: 2, historyTake: 2);
        ModelPage beyond = await model.GetPageAsync(skip: 4, take: 10, historyTake: 0);

        Assert.Equal([3, 2], second.Versions.Select(v => v.Version));
        Assert.Equal(5, second.TotalVersions);
        Assert.Equal(3, second.Aliases["production"]);
        Assert.Equal(["production:3", "staging:4"], second.AliasHistory.Select(c => $"{c.Alias}:{c.Version}"));
        Assert.Equal(3, second.TotalAliasChanges);
        Assert.Equal([1], beyond.Versions.Select(v => v.Version));
        Assert.Empty(beyond.AliasHistory);
    }

    private static string CheckpointFile()
    {
        TorchSharp.torch.manual_seed(3);
        using var model = new Gpt(new GptConfig(Layers: 1, Heads: 1, Embedding: 8, ContextLength: 8, VocabularySize: 256));
        string path = Path.Combine(ClusterFixture.ImportRoot, $"actorai-model-page-{Guid.NewGuid():N}.safetensors");
        GptCheckpoint.Save(model, path);
        return path;
    }
}
