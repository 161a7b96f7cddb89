using System.Diagnostics;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using TorchSharp;

namespace ActorAI.Grains.Tests.Training;

[Collection(ClusterCollection.Name)]
public sealed class DistributedTrainingTests(ClusterFixture fixture)
{
    private const int Steps = 20;

    private static TrainingJobSpec Spec(int workers) => new(
        Model: "tiny", Dataset: TrainingDataset.Directory, Steps: Steps, GlobalBatchRows: 6, Workers: workers, ParameterShards: 2,
        LearningRate: 3e-3, MinLearningRate: 3e-4, WarmupSteps: 3, Seed: 7, IntraOpThreads: 1);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task SynchronousTrainingReproducesTheReferenceLoop(int workers)
    {
        double[] reference = ReferenceLosses(Spec(workers));

        TrainingJobInfo job = await RunAsync($"equivalence-{workers}-{Guid.NewGuid():N}", Spec(workers));

        IReadOnlyList<TrainingMetrics> metrics = await Job(job.JobId).GetMetricsAsync(0, 1000);
        Assert.Equal(TrainingJobStatus.Succeeded, job.Status);
        Assert.Equal(Steps, metrics.Count);
        for (int i = 0; i < Steps; i++)
        {
            double relative = Math.Abs(metrics[i].Loss - reference[i]) / Math.Abs(reference[i]);
            Assert.True(relative < 1e-4, $"step {i + 1}: distributed loss {metrics[i].Loss} vs reference {reference[i]} (relative {relative:e2})");
        }
        Assert.NotNull(job.ResultArtifact);
    }

    [Fact]
    public async Task InvalidSpecsAreRefusedNamingTheField()
    {
        ITrainingJobGrain job = Job($"bad-{Guid.NewGuid():N}");

        var unknownModel = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(Spec(2) with { Model = "huge" }));
        var missingData = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(Spec(2) with { Dataset = "/no/such/dataset" }));
        var zeroWorkers = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(Spec(2) with { Workers = 0 }));
        var indivisible = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(Spec(4)));

        Assert.Contains("Model", unknownModel.Message, StringComparison.Ordinal);
        Assert.Contains("Dataset", missingData.Message, StringComparison.Ordinal);
        Assert.Contains("Workers", zeroWorkers.Message, StringComparison.Ordinal);
        Assert.Contains("divisible", indivisible.Message, StringComparison.Ordinal);
    }

    private ITrainingJobGrain Job(string id) => fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>(id);

    private async Task<TrainingJobInfo> RunAsync(string id, TrainingJobSpec spec)
    {
        ITrainingJobGrain job = Job(id);
        TrainingJobInfo info = await job.SubmitAsync(spec);
        var clock = Stopwatch.StartNew();
        while (info.Status is TrainingJobStatus.Running or TrainingJobStatus.Pending)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"job {id} still {info.Status} at step {info.Step} after 3 minutes: {info.Reason}");
            await Task.Delay(100);
            info = await job.GetAsync();
        }
        return info;
    }

    private static double[] ReferenceLosses(TrainingJobSpec spec)
    {
        torch.set_num_threads(1);
        torch.manual_seed(spec.Seed);
        using var data = new DatasetTrainingData(spec.Dataset, spec.GlobalBatchRows, (ulong)spec.Seed);
        using var model = new Gpt(GptConfig.Preset(spec.Model, data.Manifest.VocabularySize));
        var losses = new List<double>();
        ReferenceTrainer.Run(model, data, new TrainingOptions
        {
            Steps = spec.Steps, MicroBatchRows = spec.GlobalBatchRows, GradientAccumulation = 1, LearningRate = spec.LearningRate,
            MinLearningRate = spec.MinLearningRate, WarmupSteps = spec.WarmupSteps, Optimizer = new AdamWSettings(WeightDecay: spec.WeightDecay),
            GradientClip = spec.GradientClip, EvalInterval = 0, EvalBatches = 1, IntraOpThreads = 1, Seed = spec.Seed,
        }, new Synchronous(p => losses.Add(p.Loss)));
        return [.. losses];
    }

    private sealed class Synchronous(Action<TrainingProgress> handler) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => handler(value);
    }
}
