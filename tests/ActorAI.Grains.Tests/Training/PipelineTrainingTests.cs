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
        // Mid-run checkpoints too: the shards snapshot a pipelined job as any other.
        TrainingJobSpec spec = Spec(model, stages, workers, microBatches) with { CheckpointInterval = 5 };
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

    [Fact]
    public async Task APipelinedStepReportsEachStagesBusyTimeAndTheActivationsItMoved()
    {
        TrainingJobSpec spec = Spec("small", 3, 1) with { Steps = 20, WarmupSteps = 1 };
        string id = $"pipeline-busy-{Guid.NewGuid():N}";
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>(id);
        await job.SubmitAsync(spec);
        await TrainingJobWaits.WaitForStepAsync(job, 1);
        // Paused between two steps (the job's turns do not interleave), its shards stay loaded at the step it reached; an
        // ended job would have released them.
        await job.PauseAsync();
        TrainingJobInfo info = await job.GetAsync();
        Assert.Equal(TrainingJobStatus.Paused, info.Status);

        // One more step by hand at the shards' version: the trainer's own result carries what the job averages away.
        ITrainerGrain trainer = fixture.Cluster.GrainFactory.GetGrain<ITrainerGrain>($"{id}/0");
        await trainer.BeginStepAsync(new TrainerStepRequest(id, info.Spec, info.Step, 0, 1));
        TrainerStepResult? result = null;
        while (result is null)
        {
            result = await trainer.WaitStepAsync(info.Step);
        }

        Assert.NotNull(result.StageBusyMs);
        Assert.Equal(3, result.StageBusyMs.Length);
        Assert.All(result.StageBusyMs, ms => Assert.InRange(ms, 0.001, result.ComputeMs));
        double bubble = 1 - result.StageBusyMs.Sum() / (3 * result.ComputeMs);
        output.WriteLine($"compute {result.ComputeMs:F1} ms, stages busy {string.Join(", ", result.StageBusyMs.Select(ms => ms.ToString("F1")))} ms, bubble {bubble:P0}");
        var manifest = Data.Datasets.DatasetManifest.Load(TrainingDataset.Directory);
        var config = Compute.Models.GptConfig.Preset("small", manifest.VocabularySize);
        long embedding = (long)config.VocabularySize * config.Embedding;
        long exchange = (2 * config.ParameterCount() + 2 * embedding) * sizeof(float); // pulls and pushes; the head's copy pulled and handed over
        long activations = 2L * 2 * 2 * spec.GlobalBatchRows * manifest.BlockSize * config.Embedding * sizeof(float); // 2 links, both ways, relayed
        Assert.Equal(exchange + activations, result.Bytes);
    }

    [Fact]
    public async Task MoreStagesThanTheModelHasBlocksAreRefusedNamingTheField()
    {
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>($"pipeline-bad-{Guid.NewGuid():N}");

        var error = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(Spec("tiny", 3, 1)));

        Assert.Contains("Stages (3) exceeds the 2 blocks of preset 'tiny'", error.Message, StringComparison.Ordinal);
    }
}
