using ActorAI.Abstractions.Training;
using TorchSharp;

namespace ActorAI.Grains.Tests.Training;

/// <summary>A job's initial weights follow from its seed alone, whatever else on the silo draws random numbers.</summary>
[Collection(ClusterCollection.Name)]
public sealed class InitialWeightsTests(ClusterFixture fixture)
{
    // Long enough that the step-0 checkpoint is still the last one when it is read; the jobs are cancelled then.
    private static TrainingJobSpec Spec(long seed) => new(
        Model: "tiny", Dataset: TrainingDataset.Directory, Steps: 1000, GlobalBatchRows: 4, Workers: 2, ParameterShards: 2,
        CheckpointInterval: 500, WarmupSteps: 1, Seed: seed, IntraOpThreads: 1);

    [Fact]
    public async Task ConcurrentJobsWithTheSameSeedStartFromTheWeightsOfThatJobRunAlone()
    {
        IReadOnlyList<string> alone = await InitialCheckpointAsync($"alone-{Guid.NewGuid():N}", Spec(42));

        // Meanwhile the silos' process-wide generator is reseeded and drawn from, as another tenant (a job with another
        // seed, a replica loading a checkpoint) does.
        using var stop = new CancellationTokenSource();
        Task other = Task.Factory.StartNew(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                using var scope = torch.NewDisposeScope();
                torch.manual_seed(i);
                torch.randn(4096).sum().item<float>();
            }
        }, TaskCreationOptions.LongRunning);
        IReadOnlyList<string>[] together;
        try
        {
            together = await Task.WhenAll(
                InitialCheckpointAsync($"twin-a-{Guid.NewGuid():N}", Spec(42)),
                InitialCheckpointAsync($"twin-b-{Guid.NewGuid():N}", Spec(42)),
                InitialCheckpointAsync($"other-{Guid.NewGuid():N}", Spec(43)));
        }
        finally
        {
            await stop.CancelAsync();
            await other;
        }

        // Shard snapshots are content-addressed: equal hashes are equal bytes.
        Assert.Equal(alone, together[0]);
        Assert.Equal(alone, together[1]);
        Assert.NotEqual(alone, together[2]);
    }

    private async Task<IReadOnlyList<string>> InitialCheckpointAsync(string id, TrainingJobSpec spec)
    {
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>(id);
        await job.SubmitAsync(spec);
        TrainingJobInfo info = await job.GetAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (info.LastCheckpoint is null)
        {
            Assert.False(deadline.IsCancellationRequested, $"job {id} did not initialise: {info.Status} {info.Reason}");
            await Task.Delay(20);
            info = await job.GetAsync();
        }
        await job.CancelAsync();
        Assert.Equal(0, info.LastCheckpoint.Step);
        return info.LastCheckpoint.ShardArtifacts;
    }
}
