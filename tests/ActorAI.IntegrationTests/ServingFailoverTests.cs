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

        await FailoverProbes.StreamThroughASiloLossAsync(client, "failover", 16, 300, async () =>
        {
            output.WriteLine($"killing {victim.SiloAddress}");
            await cluster.KillSiloAsync(victim);
        }, output);

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
