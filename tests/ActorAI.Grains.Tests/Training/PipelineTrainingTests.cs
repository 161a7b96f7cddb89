using System.Diagnostics;
using ActorAI.Abstractions.Training;
using Xunit.Abstractions;

namespace ActorAI.Grains.Tests.Training;

/// <summary>GPipe training over stage grains reproduces the reference loop, alone and combined with data parallelism.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PipelineTrainingTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int Steps = 20;

    private static TrainingJobSpec Spec(string model, int stages, int workers, int? microBatches = null) => new(
        Model: model, Dataset: TrainingDataset.Directory, Steps: Steps, GlobalBatchRows: 8, Workers: workers, ParameterShards: 2,
        LearningRate: 3e-3, MinLearningRate: 3e-4, WarmupSteps: 3, Seed: 7, IntraOpThreads: 1, Stages: stages, MicroBatches: microBatches);

    // The presets all tie the head to the token embedding, so the tied head is what runs here (the untied split is
    // covered at the stage level in ActorAI.Compute.Tests). tiny has 2 blocks, small 4.
    [Theory]
    [InlineData("tiny", 2, 2, null)]
    [InlineData("small", 3, 1, null)]
    [InlineData("tiny", 2, 1, 2)]
    public async Task PipelinedTrainingReproducesTheReferenceLoop(string model, int stages, int workers, int? microBatches)
    {
        TrainingJobSpec spec = Spec(model, stages, workers, microBatches);
        double[] reference = ReferenceLoop.Losses(spec);

        var clock = Stopwatch.StartNew();
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>($"pipeline-{stages}-{workers}-{Guid.NewGuid():N}");
        await job.SubmitAsync(spec);
        TrainingJobInfo info = await TrainingJobWaits.WaitForEndAsync(job);
        output.WriteLine($"{model} S={stages} K={workers}: {Steps} steps in {clock.Elapsed.TotalSeconds:F1} s");

        Assert.True(info.Status == TrainingJobStatus.Succeeded, $"{info.Status}: {info.Reason}");
        ReferenceLoop.AssertEqual(reference, await job.GetMetricsAsync(0, 1000));
        Assert.NotNull(info.ResultArtifact);
    }
}
