using ActorAI.Data;
using System.Diagnostics;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Testing;
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
        double[] reference = ReferenceLoop.Losses(Spec(workers));

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
    public async Task AsynchronousTrainingAppliesGradientsAsTheyArriveAndLearns()
    {
        TrainingJobInfo job = await RunAsync($"async-{Guid.NewGuid():N}", Spec(2) with { Mode = TrainingMode.Asynchronous, Staleness = 2 });

        IReadOnlyList<TrainingMetrics> metrics = await Job(job.JobId).GetMetricsAsync(0, 1000);
        Assert.Equal(TrainingJobStatus.Succeeded, job.Status);
        Assert.Equal(Steps, metrics.Count);
        Assert.True(metrics.TakeLast(5).Average(m => m.Loss) < metrics.Take(5).Average(m => m.Loss), "asynchronous training did not reduce the loss");
        Assert.NotNull(job.ResultArtifact);
    }

    [Fact]
    public async Task AsynchronousShardsRefuseGradientsStalerThanTheBound()
    {
        TrainingJobInfo job = await RunAsync($"stale-{Guid.NewGuid():N}", Spec(3) with { Mode = TrainingMode.Asynchronous, Staleness = 0, Steps = 8, WarmupSteps = 1 });

        IReadOnlyList<TrainingMetrics> metrics = await Job(job.JobId).GetMetricsAsync(0, 1000);
        Assert.Equal(TrainingJobStatus.Succeeded, job.Status);
        // Three trainers pull the same version; with a bound of 0 only the first gradient to arrive is applied.
        Assert.True(metrics.Sum(m => m.RefusedPushes) > 0, "no stale gradient was refused");
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

    [Fact]
    public async Task ADatasetPathOutsideTheImportRootsIsRefusedLikeAMissingOne()
    {
        // A real prepared dataset outside the roots (the test cluster's root is the temp folder), and a link inside the
        // roots that points at it.
        string elsewhere = OutsideDirectory.NotUnder(ClusterFixture.ImportRoot);
        string outside = Path.Combine(elsewhere, $"actorai-outside-{Guid.NewGuid():N}");
        Directory.CreateDirectory(outside);
        foreach (string file in Directory.EnumerateFiles(TrainingDataset.Directory))
        {
            File.Copy(file, Path.Combine(outside, Path.GetFileName(file)));
        }
        string link = Path.Combine(ClusterFixture.ImportRoot, $"link-{Guid.NewGuid():N}");
        Directory.CreateSymbolicLink(link, outside);
        string missing = Path.Combine(ClusterFixture.ImportRoot, $"missing-{Guid.NewGuid():N}");
        try
        {
            ITrainingJobGrain job = Job($"roots-{Guid.NewGuid():N}");
            string Refusal(string dataset, TrainingJobException error) => error.Message.Replace(dataset, "DATASET", StringComparison.Ordinal);

            var outsideError = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(Spec(2) with { Dataset = outside }));
            var linkError = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(Spec(2) with { Dataset = link }));
            var missingError = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(Spec(2) with { Dataset = missing }));

            Assert.Contains("Artifacts:ImportRoots", missingError.Message, StringComparison.Ordinal);
            Assert.Equal(Refusal(missing, missingError), Refusal(outside, outsideError));
            Assert.Equal(Refusal(missing, missingError), Refusal(link, linkError));
            Assert.DoesNotContain("bytes", outsideError.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(link);
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task ScalingTrainersMidJobKeepsTheLossCurve()
    {
        TrainingJobInfo fixedRun = await RunAsync($"fixed-{Guid.NewGuid():N}", Spec(2));
        IReadOnlyList<TrainingMetrics> expected = await Job(fixedRun.JobId).GetMetricsAsync(0, 1000);

        string id = $"elastic-{Guid.NewGuid():N}";
        ITrainingJobGrain job = Job(id);
        await job.SubmitAsync(Spec(2));
        await TrainingJobWaits.WaitForStepAsync(job, 5);
        await job.ScaleAsync(3);
        await TrainingJobWaits.WaitForStepAsync(job, 12);
        await job.ScaleAsync(1);
        TrainingJobInfo info = await TrainingJobWaits.WaitForEndAsync(job);
        IReadOnlyList<TrainingMetrics> actual = await job.GetMetricsAsync(0, 1000);

        Assert.Equal(TrainingJobStatus.Succeeded, info.Status);
        Assert.Equal(new[] { 1, 2, 3 }, actual.Select(m => m.Workers).Distinct().Order());
        for (int i = 0; i < Steps; i++)
        {
            double relative = Math.Abs(actual[i].Loss - expected[i].Loss) / expected[i].Loss;
            Assert.True(relative < 1e-4, $"step {i + 1} with {actual[i].Workers} trainers: {actual[i].Loss} vs {expected[i].Loss}");
        }
    }

    [Fact]
    public async Task ScalingToACountThatDoesNotDivideTheBatchIsRefused()
    {
        ITrainingJobGrain job = Job($"scale-bad-{Guid.NewGuid():N}");
        await job.SubmitAsync(Spec(2) with { Steps = 200, WarmupSteps = 3 });

        var error = await Assert.ThrowsAsync<TrainingJobException>(() => job.ScaleAsync(4));
        await job.CancelAsync();

        Assert.Contains("divisible", error.Message, StringComparison.Ordinal);
        Assert.Equal(TrainingJobStatus.Cancelled, (await job.GetAsync()).Status);
    }

    [Fact]
    public async Task NonFiniteGradientsPauseTheJobWithAReasonInsteadOfCorruptingTheWeights()
    {
        ITrainingJobGrain job = Job($"diverge-{Guid.NewGuid():N}");
        // A learning rate this large drives the weights to infinity within a few steps.
        await job.SubmitAsync(Spec(2) with { Steps = 200, LearningRate = 1e9, MinLearningRate = 1e9, WarmupSteps = 0, GradientClip = 0 });

        TrainingJobInfo info = await TrainingJobWaits.WaitForEndAsync(job);

        Assert.Equal(TrainingJobStatus.Paused, info.Status);
        Assert.Contains("non-finite", info.Reason, StringComparison.Ordinal);
        Assert.True(info.Step < 200);
        IReadOnlyList<TrainingMetrics> metrics = await job.GetMetricsAsync(0, 1000);
        Assert.Equal(info.Step, metrics.Count); // the refused step recorded no update
    }

    [Fact]
    public async Task PauseAndResumeContinueWhereTheJobStopped()
    {
        ITrainingJobGrain job = Job($"pause-{Guid.NewGuid():N}");
        await job.SubmitAsync(Spec(2));
        await TrainingJobWaits.WaitForStepAsync(job, 3);

        TrainingJobInfo paused = await job.PauseAsync();
        long stepWhenPaused = (await job.GetAsync()).Step;
        TrainingJobInfo stillPaused = await job.GetAsync();
        await job.ResumeAsync();
        TrainingJobInfo done = await TrainingJobWaits.WaitForEndAsync(job);

        Assert.Equal(TrainingJobStatus.Paused, paused.Status);
        Assert.Equal(stepWhenPaused, stillPaused.Step);
        Assert.Equal(TrainingJobStatus.Succeeded, done.Status);
        Assert.Equal(Steps, (await job.GetMetricsAsync(0, 1000)).Count);
    }

    private ITrainingJobGrain Job(string id) => fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>(id);

    private async Task<TrainingJobInfo> RunAsync(string id, TrainingJobSpec spec)
    {
        ITrainingJobGrain job = Job(id);
        await job.SubmitAsync(spec);
        return await TrainingJobWaits.WaitForEndAsync(job);
    }

}
