using ActorAI.Abstractions.Training;
using ActorAI.Compute.Training;

namespace ActorAI.Grains.Tests.Training;

/// <summary>A distributed job evaluates on the held-out split at its interval and at the end, as the reference loop does.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HeldOutEvaluationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task TheJobReportsTheReferenceLoopsHeldOutLossAtItsIntervalAndAtTheEnd()
    {
        // One trainer, so its evaluation batches (of GlobalBatchRows / Workers rows) are the reference loop's.
        var spec = new TrainingJobSpec(Model: "tiny", Dataset: TrainingDataset.Directory, Steps: 12, GlobalBatchRows: 6, Workers: 1,
            ParameterShards: 2, LearningRate: 3e-3, MinLearningRate: 3e-4, WarmupSteps: 3, Seed: 9, IntraOpThreads: 1,
            EvalInterval: 5, EvalBatches: 3);
        IReadOnlyList<TrainingProgress> reference = ReferenceLoop.Run(spec);
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>($"heldout-{Guid.NewGuid():N}");

        await job.SubmitAsync(spec);
        TrainingJobInfo info = await TrainingJobWaits.WaitForEndAsync(job);
        IReadOnlyList<TrainingMetrics> metrics = await job.GetMetricsAsync(0, 1000);

        Assert.Equal(TrainingJobStatus.Succeeded, info.Status);
        Assert.Equal([5L, 10L, 12L], metrics.Where(m => m.ValidationLoss is not null).Select(m => m.Step));
        foreach (TrainingMetrics m in metrics.Where(m => m.ValidationLoss is not null))
        {
            TrainingProgress expected = reference[(int)m.Step - 1];
            double relative = Math.Abs(m.ValidationLoss!.Value - expected.ValidationLoss!.Value) / expected.ValidationLoss.Value;
            Assert.True(relative < 1e-4, $"step {m.Step}: held-out {m.ValidationLoss} vs reference {expected.ValidationLoss}");
            Assert.Equal(expected.ValidationBitsPerByte!.Value, m.ValidationBitsPerByte!.Value, 1e-3);
        }
        Assert.Equal(metrics[^1].ValidationLoss, info.LastMetrics!.ValidationLoss);
    }
}
