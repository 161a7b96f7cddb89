using System.Collections.Concurrent;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Grains.Tests.Serving;
using ActorAI.IntegrationTests.Infrastructure;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace ActorAI.IntegrationTests;

/// <summary>
/// A replica whose model is split into two model shards on a 3-silo cluster (state in PostgreSQL); the silo of one
/// stage is killed while 8 requests stream. The stage reactivates on a survivor, the replica replays the inputs it kept
/// to rebuild that stage's KV cache, and every request completes with the text an uninterrupted run gives.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PipelineFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    // Long enough that every stream is still generating when the stage's silo goes (context 512, prompts under 80 tokens).
    private const int Tokens = 420;

    [Fact]
    public async Task KillingAStagesSiloMidGenerationFailsNoRequestAndChangesNoToken()
    {
        await using TestCluster cluster = await PostgresTestCluster.StartAsync(postgres, 3, PostgresTestCluster.NewArtifactDirectory());
        ActorAIClient client = ActorAIClient.Create(cluster.Client);
        await ServingModels.ImportDeepAsync(client, "piped", layers: 4, seed: 21);
        await ServingModels.DeployAsync(client, "whole", new DeploymentSpec { Model = "piped", Stages = 1 });
        await ServingModels.DeployAsync(client, "split", new DeploymentSpec { Model = "piped", Stages = 2, MaxBatch = 8 });
        await ServingModels.WaitUntilAsync(async () => (await client.GetDeploymentAsync("split"))!.Replicas.Any(r => r.State == ReplicaState.Ready && r.StageSilos is { Count: 2 }));

        GenerationRequest[] requests = [.. Enumerable.Range(0, 8).Select(i => new GenerationRequest(
            $"request {i}: " + new string('x', i * 9),
            new GenerationParameters(MaxTokens: Tokens, Temperature: i % 2 == 0 ? 0 : 0.8, Seed: 40 + i, IgnoreEos: true)))];
        string[] expected = await Task.WhenAll(requests.Select(async r => (await client.GenerateAsync("whole", r)).Text));

        ReplicaInfo replica = (await client.GetDeploymentAsync("split"))!.Replicas.Single(r => r.State == ReplicaState.Ready);
        output.WriteLine($"replica {replica.Id} on {replica.Silo}; stages on {string.Join(", ", replica.StageSilos!)}");
        // A stage's silo that is neither the coordinator's nor the one the test's client talks through.
        SiloHandle victim = cluster.SecondarySilos.First(s =>
            s.SiloAddress.ToParsableString() is var address && address != replica.Silo && replica.StageSilos!.Contains(address));

        var texts = new ConcurrentDictionary<int, string>();
        var errors = new ConcurrentBag<Exception>();
        using var started = new CountdownEvent(requests.Length);
        Task[] streams = [.. requests.Select((r, i) => Task.Run(async () =>
        {
            var text = new System.Text.StringBuilder();
            bool signalled = false;
            try
            {
                await foreach (GenerationChunk chunk in client.GenerateStreamingAsync("split", r))
                {
                    text.Append(chunk.Text);
                    if (!signalled && chunk.CompletionTokens > 0)
                    {
                        signalled = true;
                        started.Signal();
                    }
                }
                texts[i] = text.ToString();
            }
            catch (Exception ex)
            {
                errors.Add(ex);
                if (!signalled)
                {
                    started.Signal();
                }
            }
        }))];
        Assert.True(started.Wait(TimeSpan.FromMinutes(2)), "the requests did not all start streaming");
        output.WriteLine($"killing {victim.SiloAddress}");
        await cluster.KillSiloAsync(victim);
        await Task.WhenAll(streams);

        Assert.Empty(errors);
        Assert.Equal(expected, Enumerable.Range(0, requests.Length).Select(i => texts[i]));
        // The stage moved: the kill landed mid-generation and the replay happened (otherwise the test proved nothing).
        string dead = victim.SiloAddress.ToParsableString();
        ReplicaInfo? after = null;
        await ServingModels.WaitUntilAsync(async () =>
            (after = (await client.GetDeploymentAsync("split"))!.Replicas.SingleOrDefault(r => r.Id == replica.Id))?.StageSilos is { Count: 2 } stages
            && !stages.Contains(dead));
        output.WriteLine($"after: stages on {string.Join(", ", after!.StageSilos!)}");
    }
}
