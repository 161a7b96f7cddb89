using ActorAI.Abstractions.Serving;
using ActorAI.Client;

namespace ActorAI.Grains.Tests.Serving;

/// <summary>A replica whose model is split into model-shard grains generates exactly what the whole model does.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PipelineServingTests(ClusterFixture fixture)
{
    private ActorAIClient Client => ActorAIClient.Create(fixture.Cluster.Client);

    [Fact]
    public async Task PipelinesOfTwoAndThreeStagesGenerateWhatTheWholeModelDoes()
    {
        string model = $"m-{Guid.NewGuid():N}";
        ActorAIClient client = Client;
        await ServingModels.ImportDeepAsync(client, model, layers: 4, seed: 5);
        string whole = $"d-{Guid.NewGuid():N}", two = $"d-{Guid.NewGuid():N}", three = $"d-{Guid.NewGuid():N}";
        // A small step budget, so the longer prompts are prefilled in chunks across steps beside the others' decodes.
        var spec = new DeploymentSpec { Model = model, MaxBatch = 8, MaxBatchedTokens = 64 };
        await ServingModels.DeployAsync(client, whole, spec with { Stages = 1 });
        DeploymentInfo split2 = await ServingModels.DeployAsync(client, two, spec with { Stages = 2 });
        await ServingModels.DeployAsync(client, three, spec with { Stages = 3 });

        GenerationRequest[] requests = [.. Enumerable.Range(0, 8).Select(i => new GenerationRequest(
            new string((char)('a' + i), 5 + (i * 23)) + " tell me more",
            new GenerationParameters(MaxTokens: 24, Temperature: i % 2 == 0 ? 0 : 1.0, Seed: 100 + i, IgnoreEos: true)))];

        string[] expected = await GenerateAllAsync(client, whole, requests);
        string[] pipelined2 = await GenerateAllAsync(client, two, requests);
        string[] pipelined3 = await GenerateAllAsync(client, three, requests);

        Assert.Equal(expected, pipelined2);
        Assert.Equal(expected, pipelined3);
        Assert.Equal(2, split2.Spec!.Stages);
    }

    // Concurrently, so the requests share steps (continuous batching) as they would in service.
    private static Task<string[]> GenerateAllAsync(ActorAIClient client, string deployment, GenerationRequest[] requests) =>
        Task.WhenAll(requests.Select(async r =>
        {
            GenerationResult result = await client.GenerateAsync(deployment, r);
            Assert.Equal(24, result.CompletionTokens);
            return result.Text;
        }));
}
