using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;

namespace ActorAI.Grains.Tests.Serving;

/// <summary>Tiny random-weight byte-level GPTs registered as model versions, and a deploy-and-wait helper.</summary>
internal static class ServingModels
{
    // Long enough that a long request outlasts the start of a short one even on a loaded machine.
    public const int ContextLength = 512;

    /// <summary>Registers one new version per seed under <paramref name="model"/>.</summary>
    public static async Task ImportAsync(ActorAIClient client, string model, params int[] seeds)
    {
        foreach (int seed in seeds)
        {
            await client.ImportModelAsync(model, CheckpointFile(seed));
        }
    }

    /// <summary>Registers one version of a <paramref name="layers"/>-block model (deep enough to split into stages).</summary>
    public static Task ImportDeepAsync(ActorAIClient client, string model, int layers, int seed) =>
        client.ImportModelAsync(model, CheckpointFile(seed, layers));

    public static async Task<DeploymentInfo> DeployAsync(ActorAIClient client, string name, DeploymentSpec spec)
    {
        await client.DeployAsync(name, spec);
        return await client.WaitForDeploymentAsync(name, TimeSpan.FromMinutes(2));
    }

    // Random weights would emit end-of-text about once in 256 tokens; ignoring it makes every length exact.
    public static GenerationRequest Request(string prompt, int maxTokens, long seed = 1) =>
        new(prompt, new GenerationParameters(MaxTokens: maxTokens, Temperature: 1.0, Seed: seed, IgnoreEos: true));

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds; fails after <paramref name="seconds"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 90)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(100);
        }
    }

    private static string CheckpointFile(int seed, int layers = 2)
    {
        lock (typeof(ServingModels))
        {
            // manual_seed is process-wide; the lock keeps two imports from interleaving their initialisation.
            TorchSharp.torch.manual_seed(seed);
            using var model = new Gpt(new GptConfig(Layers: layers, Heads: 2, Embedding: 32, ContextLength: ContextLength, VocabularySize: 256));
            string path = Path.Combine(Path.GetTempPath(), $"actorai-serving-{Guid.NewGuid():N}.safetensors");
            GptCheckpoint.Save(model, path, metadata: new Dictionary<string, string> { ["actorai.tokenizer"] = "byte" });
            return path;
        }
    }
}
