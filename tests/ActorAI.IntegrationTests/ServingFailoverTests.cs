using System.Collections.Concurrent;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Grains.Hosting;
using ActorAI.Grains.Tests.Serving;
using ActorAI.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace ActorAI.IntegrationTests;

/// <summary>
/// A deployment with two replicas on a 3-silo cluster (state in PostgreSQL); the silo of one replica is killed while 16
/// streaming requests run.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ServingFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task KillingAReplicasSiloFailsNoRequestThatHadNotStreamedAToken()
    {
        await using TestCluster cluster = await PostgresTestCluster.StartAsync(postgres, 3, PostgresTestCluster.NewArtifactDirectory());
        ActorAIClient client = ActorAIClient.Create(cluster.Client);

        await ServingModels.ImportAsync(client, "failover", 11);
        // A small batch, so each replica holds queued requests that have not streamed a token when its silo dies.
        await ServingModels.DeployAsync(client, "failover", new DeploymentSpec { Model = "failover", MinReplicas = 2, MaxReplicas = 2, MaxBatch = 4 });
        await ServingModels.WaitUntilAsync(async () => (await client.GetDeploymentAsync("failover"))!.Replicas.Count(r => r.State == ReplicaState.Ready) == 2);
        DeploymentInfo before = (await client.GetDeploymentAsync("failover"))!;
        SiloHandle victim = cluster.SecondarySilos.First(s => before.Replicas.Any(r => r.Silo == s.SiloAddress.ToParsableString()));

        var outcomes = new ConcurrentBag<(int Tokens, Exception? Error)>();
        var firstTokens = new CountdownEvent(4);
        Task[] requests = [.. Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            int tokens = 0;
            try
            {
                await foreach (GenerationChunk chunk in client.GenerateStreamingAsync("failover", ServingModels.Request($"request {i}", 300, seed: i)))
                {
                    if (tokens == 0 && chunk.CompletionTokens > 0 && !firstTokens.IsSet)
                    {
                        firstTokens.Signal();
                    }
                    tokens = chunk.CompletionTokens;
                }
                outcomes.Add((tokens, null));
            }
            catch (Exception ex)
            {
                outcomes.Add((tokens, ex));
            }
        }))];
        firstTokens.Wait(TimeSpan.FromMinutes(1));
        output.WriteLine($"killing {victim.SiloAddress}");
        await cluster.KillSiloAsync(victim);
        await Task.WhenAll(requests);

        foreach ((int tokens, Exception? error) in outcomes.Where(o => o.Error is not null))
        {
            output.WriteLine($"failed after {tokens} tokens: {error!.GetType().Name}: {error.Message}");
        }
        Assert.Equal(16, outcomes.Count);
        Assert.All(outcomes.Where(o => o.Error is not null), o => Assert.True(o.Tokens > 0, $"a request failed before its first token: {o.Error}"));
        Assert.Contains(outcomes, o => o.Error is null && o.Tokens == 300);
        // The deployment restores its replica count on the surviving silos, one replica on each.
        DeploymentInfo? last = null;
        try
        {
            await ServingModels.WaitUntilAsync(async () =>
                (last = await client.GetDeploymentAsync("failover"))!.Replicas is var replicas
                && replicas.Count(r => r.State == ReplicaState.Ready && r.Silo != victim.SiloAddress.ToParsableString()) == 2
                && replicas.Select(r => r.Silo).Distinct().Count() == 2); // spread again over the two survivors
        }
        finally
        {
            output.WriteLine($"deployment: {last?.Status} {last?.LastError} replicas {string.Join("; ", last?.Replicas.Select(r => $"{r.Id} {r.State} {r.Silo}") ?? [])}");
        }
        GenerationResult after = await client.GenerateAsync("failover", ServingModels.Request("after", 5));
        Assert.Equal(5, after.CompletionTokens);
    }
}
