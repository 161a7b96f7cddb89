using ActorAI.Abstractions.Training;
using ActorAI.Grains.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace ActorAI.Grains.Tests.Training;

/// <summary>
/// A cluster whose response timeout is 2 s and whose trainers take 5 s more per step on their compute lane, as a
/// model too large for the message timeout would.
/// </summary>
public sealed class LongStepClusterFixture() : TestClusterFixture(new TestClusterBuilder(initialSilosCount: 2)
    .AddSiloBuilderConfigurator<SiloConfigurator>()
    .AddClientBuilderConfigurator<ClientConfigurator>()
    .Build())
{
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ComputeTime = TimeSpan.FromSeconds(5);

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            AddTestSilo(siloBuilder, ClusterFixture.Resources, ClusterFixture.ArtifactDirectory)
                .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            siloBuilder.Services.AddSingleton<ComputeLanes>(new SlowComputeLanes(ComputeTime));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
    }

    /// <summary>Lanes whose every piece of work takes <paramref name="extra"/> longer, holding the lane as compute does.</summary>
    private sealed class SlowComputeLanes(TimeSpan extra) : ComputeLanes
    {
        public override Task<T> RunAsync<T>(Func<T> work, int intraOpThreads = 0) =>
            base.RunAsync(() =>
            {
                Thread.Sleep(extra); // stands for compute time, on the lane's thread; nothing waits on it to synchronise
                return work();
            }, intraOpThreads);
    }
}

[CollectionDefinition(Name)]
public sealed class LongStepClusterCollection : ICollectionFixture<LongStepClusterFixture>
{
    public const string Name = "long-step cluster";
}

[Collection(LongStepClusterCollection.Name)]
public sealed class LongStepTests(LongStepClusterFixture fixture)
{
    [Fact]
    public async Task StepsLongerThanTheResponseTimeoutTrainToTheEndWithoutARecovery()
    {
        const int steps = 3;
        var spec = new TrainingJobSpec(
            Model: "tiny", Dataset: TrainingDataset.Directory, Steps: steps, GlobalBatchRows: 4, Workers: 2, ParameterShards: 2,
            WarmupSteps: 1, Seed: 3, IntraOpThreads: 1);
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>($"long-steps-{Guid.NewGuid():N}");

        await job.SubmitAsync(spec);
        TrainingJobInfo info = await TrainingJobWaits.WaitForEndAsync(job);
        IReadOnlyList<TrainingMetrics> metrics = await job.GetMetricsAsync(0, 100);

        Assert.True(info.Status == TrainingJobStatus.Succeeded, $"{info.Status}: {info.Reason}");
        Assert.Equal(0, info.Recoveries);
        Assert.Equal(steps, info.Step);
        Assert.Equal(steps, metrics.Count);
        // Every step really outlasted the response timeout.
        Assert.All(metrics, m => Assert.True(m.ComputeMs > LongStepClusterFixture.ResponseTimeout.TotalMilliseconds, $"step {m.Step}: {m.ComputeMs} ms"));
    }
}
