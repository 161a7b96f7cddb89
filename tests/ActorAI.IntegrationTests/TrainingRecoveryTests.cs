using System.Diagnostics;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Training;
using ActorAI.Grains.Hosting;
using ActorAI.Grains.Tests.Training;
using ActorAI.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace ActorAI.IntegrationTests;

/// <summary>
/// A training job on a 3-silo cluster whose grain state lives in PostgreSQL; the silo hosting a parameter shard and a
/// trainer (or, where placement put them apart, a parameter shard) is killed mid-job.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TrainingRecoveryTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int CheckpointInterval = 5;

    [Fact]
    public async Task KillingTheSiloOfAShardAndATrainerLosesAtMostOneCheckpointInterval()
    {
        await using TestCluster cluster = await PostgresTestCluster.StartAsync(postgres, 3, PostgresTestCluster.NewArtifactDirectory());

        var spec = new TrainingJobSpec(Model: "tiny", Dataset: TrainingDataset.Directory, Steps: 30, GlobalBatchRows: 6, Workers: 2,
            ParameterShards: 2, CheckpointInterval: CheckpointInterval, LearningRate: 3e-3, MinLearningRate: 3e-4, WarmupSteps: 3, Seed: 21, IntraOpThreads: 1);
        ITrainingJobGrain uninterrupted = cluster.GrainFactory.GetGrain<ITrainingJobGrain>($"steady-{Guid.NewGuid():N}");
        await uninterrupted.SubmitAsync(spec);
        TrainingJobInfo steady = await TrainingJobWaits.WaitForEndAsync(uninterrupted, TimeSpan.FromMinutes(3));

        string jobId = $"victim-{Guid.NewGuid():N}";
        ITrainingJobGrain job = cluster.GrainFactory.GetGrain<ITrainingJobGrain>(jobId);
        await job.SubmitAsync(spec);
        await TrainingJobWaits.WaitForStepAsync(job, 10);

        // A silo (not the primary) hosting a parameter shard, and a trainer too where placement put them together.
        (HashSet<SiloAddress> both, HashSet<SiloAddress> shards) = await ComputeHostsAsync(cluster, jobId);
        SiloHandle victim = cluster.SecondarySilos.FirstOrDefault(s => both.Contains(s.SiloAddress))
            ?? cluster.SecondarySilos.First(s => shards.Contains(s.SiloAddress));
        long stepAtKill = (await job.GetAsync()).Step;
        output.WriteLine($"killing {victim.SiloAddress} at step {stepAtKill}");
        await cluster.KillSiloAsync(victim);

        TrainingJobInfo recovered = await TrainingJobWaits.WaitForEndAsync(job, TimeSpan.FromMinutes(4));
        IReadOnlyList<TrainingMetrics> metrics = await job.GetMetricsAsync(0, 10_000);
        output.WriteLine($"recoveries {recovered.Recoveries}; steps {string.Join(",", metrics.Select(m => m.Step))}");

        Assert.Equal(TrainingJobStatus.Succeeded, recovered.Status);
        Assert.True(recovered.Recoveries >= 1, "the job never recovered");
        long lost = FailoverProbes.StepsLost(metrics);
        Assert.InRange(lost, 0, CheckpointInterval);
        double steadyLoss = (await uninterrupted.GetMetricsAsync(0, 10_000))[^1].Loss;
        double relative = Math.Abs(metrics[^1].Loss - steadyLoss) / steadyLoss;
        Assert.True(relative < 1e-3, $"final loss {metrics[^1].Loss} vs uninterrupted {steadyLoss}");
        Assert.Equal(TrainingJobStatus.Succeeded, steady.Status);
    }

    [Fact]
    public async Task AJobResumesAfterTheWholeClusterRestarts()
    {
        string artifacts = PostgresTestCluster.NewArtifactDirectory();
        string serviceId = $"svc-{Guid.NewGuid():N}";
        var spec = new TrainingJobSpec(Model: "tiny", Dataset: TrainingDataset.Directory, Steps: 24, GlobalBatchRows: 6, Workers: 2,
            ParameterShards: 2, CheckpointInterval: CheckpointInterval, LearningRate: 3e-3, MinLearningRate: 3e-4, WarmupSteps: 3, Seed: 5, IntraOpThreads: 1);
        string jobId = $"restart-{Guid.NewGuid():N}";

        long stepBeforeRestart;
        await using (TestCluster first = await StartClusterAsync(serviceId, artifacts, silos: 2))
        {
            ITrainingJobGrain job = first.GrainFactory.GetGrain<ITrainingJobGrain>(jobId);
            await job.SubmitAsync(spec);
            await TrainingJobWaits.WaitForStepAsync(job, 8);
            stepBeforeRestart = (await job.GetAsync()).Step;
            await first.StopAllSilosAsync();
        }

        await using TestCluster second = await StartClusterAsync(serviceId, artifacts, silos: 2);
        // Any call reactivates the job from PostgreSQL (in production the job's reminder does it within a minute).
        TrainingJobInfo resumed = await TrainingJobWaits.WaitForEndAsync(second.GrainFactory.GetGrain<ITrainingJobGrain>(jobId), TimeSpan.FromMinutes(3));
        output.WriteLine($"stopped at step {stepBeforeRestart}; recoveries {resumed.Recoveries}");

        Assert.Equal(TrainingJobStatus.Succeeded, resumed.Status);
        Assert.Equal(24, resumed.Step);
        Assert.True(resumed.Recoveries >= 1, "the restarted job did not restore its shards from the checkpoint");
    }

    private Task<TestCluster> StartClusterAsync(string serviceId, string artifacts, int silos) =>
        PostgresTestCluster.StartAsync(postgres, silos, artifacts, serviceId);

    private static async Task<(HashSet<SiloAddress> Both, HashSet<SiloAddress> Shards)> ComputeHostsAsync(TestCluster cluster, string jobId)
    {
        DetailedGrainStatistic[] stats = await cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var mine = stats.Where(s => s.GrainId.ToString().Contains(jobId, StringComparison.Ordinal)).ToList();
        var shards = mine.Where(s => s.GrainType.Contains("ParameterShard", StringComparison.OrdinalIgnoreCase)).Select(s => s.SiloAddress).ToHashSet();
        var trainers = mine.Where(s => s.GrainType.Contains("Trainer", StringComparison.OrdinalIgnoreCase) && !s.GrainType.Contains("Job", StringComparison.OrdinalIgnoreCase)).Select(s => s.SiloAddress).ToHashSet();
        Assert.NotEmpty(shards);
        HashSet<SiloAddress> both = [.. shards.Intersect(trainers)];
        return (both, shards);
    }
}
