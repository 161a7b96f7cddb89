using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Grains.Tests.Training;
using ActorAI.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ActorAI.IntegrationTests;

/// <summary>
/// Three real silo processes (PostgreSQL membership, an artifact store each, nothing else shared) that each offer
/// 1.2 GB to compute grains; a model of the GPT-2 124M shape (12 blocks of width 768, a byte vocabulary: 86 M parameters)
/// fits no silo whole, so through the CLI alone its job trains as a pipeline of stage grains and its deployment serves as
/// a pipeline of model shards, both split by the cluster itself into the fewest stages that fit.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PipelineCliTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const long Budget = 1_200_000_000;

    [Fact]
    public async Task AJobAndADeploymentLargerThanAnySiloRunAsPipelinesThroughTheCli()
    {
        string clusterId = $"pipeline-{Guid.NewGuid():N}";
        string serviceId = $"svc-{Guid.NewGuid():N}";
        SiloProcess Start(string name) => SiloProcess.Start(name, clusterId, serviceId, postgres.ConnectionString,
            ["--artifacts", Path.Combine(Path.GetTempPath(), $"actorai-it-{serviceId}-{name}"), $"--Silo:MemoryBudget={Budget}"]);
        await using SiloProcess a = Start("a");
        await using SiloProcess b = Start("b");
        await using SiloProcess c = Start("c");
        string[] connection = ["--postgres", postgres.ConnectionString, "--cluster-id", clusterId];
        try
        {
            await Task.WhenAll(a.WaitHealthyAsync(TimeSpan.FromSeconds(90)), b.WaitHealthyAsync(TimeSpan.FromSeconds(90)), c.WaitHealthyAsync(TimeSpan.FromSeconds(90)));
            await using ActorAIClient client = await ActorAIClient.ConnectAsync(new ActorAIClientOptions
            {
                ClusterId = clusterId, PostgresConnectionString = postgres.ConnectionString, ConnectTimeout = TimeSpan.FromSeconds(30),
            });
            await ClusterProbes.WaitForAsync(client.GetSilosAsync, s => s.Count(x => x.Status == Abstractions.Cluster.SiloState.Active) == 3, TimeSpan.FromSeconds(30));

            await ClusterProbes.RunCliAsync(["data", "push", TrainingDataset.Directory, "--name", "corpus", .. connection]);
            string jobId = $"big-{Guid.NewGuid():N}";
            // No --stages: a whole trainer needs ~1.5 GB (four copies of the weights), more than any silo offers.
            string trained = await ClusterProbes.RunCliAsync(["train", "--data", "corpus", "--preset", "gpt2", "--steps", "2", "--workers", "1",
                "--shards", "3", "--global-batch", "2", "--warmup", "1", "--checkpoint-interval", "0", "--threads", "1", "--job-id", jobId, .. connection]);
            output.WriteLine(trained);
            TrainingJobInfo job = await client.Cluster.GetGrain<ITrainingJobGrain>(jobId).GetAsync();
            Assert.Equal(TrainingJobStatus.Succeeded, job.Status);
            Assert.True(job.Spec.Stages >= 2, $"the job ran with {job.Spec.Stages} stages");
            output.WriteLine($"job: {job.Spec.Stages} stages");

            await ClusterProbes.RunCliAsync(["models", "register", "big", "--job", jobId, .. connection]);
            // No --stages: the replica's weights and KV budget (32 × 1,024 positions) need ~2.8 GB.
            string deployed = await ClusterProbes.RunCliAsync(["deploy", "big", "--model", "big", "--timeout", "300", .. connection]);
            output.WriteLine(deployed);
            DeploymentInfo deployment = (await client.GetDeploymentAsync("big"))!;
            ReplicaInfo replica = Assert.Single(deployment.Replicas, r => r.State == ReplicaState.Ready);
            output.WriteLine($"replica on {replica.Silo}; stages on {string.Join(", ", replica.StageSilos ?? [])}");
            Assert.InRange(replica.StageSilos?.Count ?? 0, 2, 4);
            Assert.Equal(replica.StageSilos!.Count, replica.StageSilos.Distinct().Count());

            string generated = await ClusterProbes.RunCliAsync(["generate", "big", "actor grain", "--max-tokens", "8", "--temperature", "0", .. connection]);
            output.WriteLine(generated);
            Assert.False(string.IsNullOrWhiteSpace(generated));
        }
        finally
        {
            output.WriteLine($"--- a ---\n{a.Output}\n--- b ---\n{b.Output}\n--- c ---\n{c.Output}");
        }
    }
}
