using ActorAI.Abstractions.Training;
using ActorAI.Client;

namespace ActorAI.Cli.Tests.Training;

/// <summary><see cref="ActorAIClient"/>'s training methods over a fake cluster: what is checked before any call, and what is called.</summary>
public sealed class ActorAIClientTrainingTests
{
    [Fact]
    public async Task SubmitValidatesTheSpecBeforeAnyCallAndListsEveryError()
    {
        var cluster = new FakeCluster();
        await using ActorAIClient client = ActorAIClient.Create(cluster);
        TrainingJobSpec spec = Samples.Spec() with { Workers = 3, ParameterShards = 0, LearningRate = -1 };

        var ex = await Assert.ThrowsAsync<TrainingJobException>(() => client.SubmitTrainingJobAsync("job-1", spec));

        Assert.Equal(spec.Validate(), ex.Errors);
        Assert.Contains(ex.Errors, e => e.StartsWith("GlobalBatchRows (16) must be divisible by Workers (3)", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("ParameterShards", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("LearningRate", StringComparison.Ordinal));
        Assert.Empty(cluster.Job("job-1").Calls);
    }

    [Fact]
    public async Task SubmitCallsTheJobGrainWhichRegistersTheId()
    {
        var cluster = new FakeCluster();
        await using ActorAIClient client = ActorAIClient.Create(cluster);

        TrainingJobInfo info = await client.SubmitTrainingJobAsync("job-1", Samples.Spec());

        Assert.Equal(Samples.Spec(), cluster.Job("job-1").Submitted);
        Assert.Equal(["submit"], cluster.Job("job-1").Calls);
        Assert.Equal(["job-1"], cluster.Registry.Ids); // once: by the grain, not again by the client
        Assert.Equal(TrainingJobStatus.Pending, info.Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/in")]
    [InlineData("ünïcode")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g1234")]
    public async Task MalformedJobIdsAreRejectedNamingTheParameter(string jobId)
    {
        var cluster = new FakeCluster();
        await using ActorAIClient client = ActorAIClient.Create(cluster);

        var submit = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTrainingJobAsync(jobId, Samples.Spec()));
        var get = await Assert.ThrowsAsync<ArgumentException>(() => client.GetTrainingJobAsync(jobId));
        var watch = Assert.Throws<ArgumentException>(() => client.WatchTrainingJobAsync(jobId));

        Assert.All([submit, get, watch], ex => Assert.Equal("jobId", ex.ParamName));
        Assert.Contains("1 to 64 characters", submit.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("train-20261123-100000")]
    [InlineData("Run_2.final-B")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g123")]
    public void WellFormedJobIds(string jobId) => Assert.True(TrainingJobIds.IsValid(jobId));

    [Fact]
    public async Task AJobThatWasNeverSubmittedIsNull()
    {
        var cluster = new FakeCluster();
        await using ActorAIClient client = ActorAIClient.Create(cluster);

        Assert.Null(await client.GetTrainingJobAsync("nobody"));
        await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => client.CancelTrainingJobAsync("nobody"));
        await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => client.PauseTrainingJobAsync("nobody"));
        await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => client.ResumeTrainingJobAsync("nobody"));
        await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => client.ScaleTrainingJobAsync("nobody", 2));
        Assert.DoesNotContain(cluster.Job("nobody").Calls, c => c != "get"); // nothing was asked of a job that does not exist
    }

    [Fact]
    public void ExistenceIsTheSpecAndTheSubmissionTimeNotTheStatus()
    {
        TrainingJobInfo fresh = Samples.Info("job-1", Samples.Spec(), TrainingJobStatus.Pending, step: 0);

        Assert.True(fresh.Exists());
        Assert.False(Samples.Unknown("job-1").Exists());
        Assert.False((fresh with { SubmittedAt = default }).Exists());
    }

    [Fact]
    public async Task ListReadsEveryRegisteredJobInRegistryOrder()
    {
        var cluster = new FakeCluster();
        string[] ids = [.. Enumerable.Range(0, 40).Select(i => $"job-{i:00}")];
        foreach (string id in ids.Reverse())
        {
            cluster.AddJob(id, [Samples.Info(id, Samples.Spec(), TrainingJobStatus.Running, step: 1)]);
        }
        await using ActorAIClient client = ActorAIClient.Create(cluster);

        IReadOnlyList<TrainingJobInfo> jobs = await client.ListTrainingJobsAsync();

        Assert.Equal(ids.Reverse(), jobs.Select(j => j.JobId));
    }

    [Fact]
    public async Task ScaleChecksTheRangeAndTheGlobalBatchBeforeCallingScale()
    {
        var cluster = new FakeCluster();
        FakeTrainingJob job = cluster.AddJob("job-1", [Samples.Info("job-1", Samples.Spec(globalBatch: 16), TrainingJobStatus.Running, step: 5)]);
        await using ActorAIClient client = ActorAIClient.Create(cluster);

        var range = await Assert.ThrowsAsync<TrainingJobException>(() => client.ScaleTrainingJobAsync("job-1", 0));
        var divides = await Assert.ThrowsAsync<TrainingJobException>(() => client.ScaleTrainingJobAsync("job-1", 3));
        await client.ScaleTrainingJobAsync("job-1", 4);

        Assert.StartsWith("Workers must be between 1 and 256", Assert.Single(range.Errors), StringComparison.Ordinal);
        Assert.Equal("GlobalBatchRows (16) must be divisible by Workers (3).", Assert.Single(divides.Errors));
        Assert.Equal(["scale(4)"], job.Calls.Where(c => c.StartsWith("scale", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ControlCallsReachTheJob()
    {
        var cluster = new FakeCluster();
        FakeTrainingJob job = cluster.AddJob("job-1", [Samples.Info("job-1", Samples.Spec(), TrainingJobStatus.Running, step: 5)]);
        await using ActorAIClient client = ActorAIClient.Create(cluster);

        Assert.Equal(TrainingJobStatus.Paused, (await client.PauseTrainingJobAsync("job-1")).Status);
        Assert.Equal(TrainingJobStatus.Running, (await client.ResumeTrainingJobAsync("job-1")).Status);
        Assert.Equal(TrainingJobStatus.Cancelled, (await client.CancelTrainingJobAsync("job-1")).Status);
        Assert.Equal(["pause", "resume", "cancel"], job.Calls.Where(c => c != "get"));
    }

    [Fact]
    public async Task WatchThroughTheClientFollowsToTheEnd()
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 4);
        cluster.AddJob("job-1", states, metrics);
        await using ActorAIClient client = ActorAIClient.Create(cluster);

        var seen = new List<TrainingJobProgress>();
        await foreach (TrainingJobProgress p in client.WatchTrainingJobAsync("job-1", pollInterval: TimeSpan.Zero))
        {
            seen.Add(p);
        }

        Assert.True(seen[^1].IsFinal);
        Assert.Equal(4, seen.SelectMany(p => p.NewMetrics).Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => client.WatchTrainingJobAsync("job-1", pollInterval: TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.WatchTrainingJobAsync("job-1", afterStep: -1));
    }
}
