using ActorAI.Abstractions.Training;
using ActorAI.Client;
using Orleans.Runtime;

namespace ActorAI.Cli.Tests.Training;

/// <summary>The polling loop behind <see cref="ActorAIClient.WatchTrainingJobAsync"/>, against a scripted job grain.</summary>
public sealed class TrainingJobWatcherTests
{
    [Theory]
    [InlineData(TrainingJobStatus.Succeeded)]
    [InlineData(TrainingJobStatus.Failed)]
    [InlineData(TrainingJobStatus.Cancelled)]
    public async Task YieldsTheTerminalStateOnceAndStopsPolling(TrainingJobStatus end)
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 5, end);
        FakeTrainingJob job = cluster.AddJob("job-1", states, metrics);

        List<TrainingJobProgress> seen = await WatchAsync(job);

        Assert.Equal(end, seen[^1].Job.Status);
        Assert.Single(seen, p => p.IsFinal);
        Assert.Equal(states.Length, job.GetCalls); // not one poll after the terminal state
        Assert.Equal("get", job.Calls.Last(c => c == "get"));
        Assert.StartsWith("metrics", job.Calls[^1], StringComparison.Ordinal); // the final drain, then nothing
    }

    [Fact]
    public async Task DeliversEveryMetricOnceInOrderIncludingStepsFinishedBetweenTheLastTwoReads()
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 7);
        FakeTrainingJob job = cluster.AddJob("job-1", states, metrics);

        List<TrainingJobProgress> seen = await WatchAsync(job);

        Assert.Equal(metrics.Select(m => m.Step), seen.SelectMany(p => p.NewMetrics).Select(m => m.Step));
        Assert.All(seen, p => Assert.True(p.NewMetrics.Count == 0 || p.NewMetrics[^1].Step <= p.Job.Step, "metrics ahead of the state"));
        Assert.Equal(7, seen[^1].LatestMetrics?.Step);
    }

    [Fact]
    public async Task StartsAfterTheGivenStep()
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 6);
        FakeTrainingJob job = cluster.AddJob("job-1", [states[^1]], metrics);

        List<TrainingJobProgress> seen = await WatchAsync(job, afterStep: 4);

        TrainingJobProgress only = Assert.Single(seen);
        Assert.Equal([5L, 6L], only.NewMetrics.Select(m => m.Step));
        Assert.True(only.IsFinal);
    }

    [Fact]
    public async Task ReadsFullPagesUntilAShortOne()
    {
        var cluster = new FakeCluster();
        int steps = TrainingJobWatcher.MetricsPage * 2 + 3;
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps);
        FakeTrainingJob job = cluster.AddJob("job-1", [states[0], states[^1]], metrics);

        List<TrainingJobProgress> seen = await WatchAsync(job);

        Assert.Equal(steps, seen.Sum(p => p.NewMetrics.Count));
        Assert.Contains($"metrics({TrainingJobWatcher.MetricsPage * 2},{TrainingJobWatcher.MetricsPage})", job.Calls);
    }

    [Fact]
    public async Task YieldsOnlyWhenSomethingChanged()
    {
        var cluster = new FakeCluster();
        TrainingJobSpec spec = Samples.Spec(steps: 10);
        TrainingJobInfo running = Samples.Info("job-1", spec, TrainingJobStatus.Running, step: 3);
        FakeTrainingJob job = cluster.AddJob("job-1",
            [running, running, running, running with { Recoveries = 1 }, running with { Recoveries = 1 }, Samples.Info("job-1", spec, TrainingJobStatus.Failed, 3, "boom", recoveries: 1)]);

        List<TrainingJobProgress> seen = await WatchAsync(job);

        Assert.Equal([0, 1, 1], seen.Select(p => p.Job.Recoveries));
        Assert.Equal(TrainingJobStatus.Failed, seen[^1].Job.Status);
        Assert.Equal(6, job.GetCalls);
    }

    [Fact]
    public async Task AnUnknownJobIsNotFound()
    {
        var cluster = new FakeCluster();

        var ex = await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => WatchAsync(cluster.Job("nobody")));

        Assert.Equal("nobody", ex.JobId);
    }

    [Fact]
    public async Task RetriesWhileASiloIsGoneAndCarriesOn()
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 3);
        FakeTrainingJob job = cluster.AddJob("job-1", states, metrics);
        int failures = 0;
        job.Failure = () => job.Calls.Count is > 2 and < 8 ? new SiloUnavailableException($"silo died ({++failures})") : null;

        List<TrainingJobProgress> seen = await WatchAsync(job);

        Assert.True(failures > 0);
        Assert.Equal(metrics.Select(m => m.Step), seen.SelectMany(p => p.NewMetrics).Select(m => m.Step));
        Assert.Equal(TrainingJobStatus.Succeeded, seen[^1].Job.Status);
    }

    [Fact]
    public async Task GivesUpAfterTheFailureWindow()
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, _) = Samples.Run("job-1", steps: 3);
        FakeTrainingJob job = cluster.AddJob("job-1", states);
        job.Failure = () => new TimeoutException("no answer");
        var time = new ManualTimeProvider(Samples.Submitted) { AutoAdvance = TimeSpan.FromSeconds(25) };

        await Assert.ThrowsAsync<TimeoutException>(() => WatchAsync(job, time: time));

        Assert.InRange(job.Calls.Count, 2, 4); // about 60 s of 25 s attempts
    }

    [Fact]
    public async Task AJobFailureIsNotRetried()
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, _) = Samples.Run("job-1", steps: 3);
        FakeTrainingJob job = cluster.AddJob("job-1", states);
        job.Failure = () => new InvalidOperationException("bug in the grain");

        await Assert.ThrowsAsync<InvalidOperationException>(() => WatchAsync(job));

        Assert.Single(job.Calls);
    }

    [Fact]
    public async Task CancellationStopsFollowing()
    {
        var cluster = new FakeCluster();
        TrainingJobInfo running = Samples.Info("job-1", Samples.Spec(), TrainingJobStatus.Running, step: 3);
        FakeTrainingJob job = cluster.AddJob("job-1", [running]);
        using var cancel = new CancellationTokenSource();
        var watcher = new TrainingJobWatcher(job, "job-1", TimeSpan.Zero, TimeProvider.System);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (TrainingJobProgress _ in watcher.WatchAsync(0, cancel.Token))
            {
                await cancel.CancelAsync();
            }
        });
    }

    private static async Task<List<TrainingJobProgress>> WatchAsync(FakeTrainingJob job, long afterStep = 0, TimeProvider? time = null)
    {
        var watcher = new TrainingJobWatcher(job, job.JobId, TimeSpan.Zero, time ?? new ManualTimeProvider(Samples.Submitted));
        var seen = new List<TrainingJobProgress>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // a watch that never ends fails instead of hanging
        await foreach (TrainingJobProgress p in watcher.WatchAsync(afterStep, timeout.Token))
        {
            seen.Add(p);
            Assert.True(seen.Count < 10_000, "the watch did not end");
        }
        return seen;
    }
}
