using ActorAI.Abstractions.Training;

namespace ActorAI.Cli.Tests.Training;

/// <summary><c>actorai train</c> on the cluster path: checks before connecting, submission, following, exit codes.</summary>
public sealed class TrainCommandTests
{
    [Theory]
    [InlineData("--workers", "3", "--global-batch", "16")]
    [InlineData("--workers", "0")]
    [InlineData("--workers", "257", "--global-batch", "257")]
    public async Task InvalidWorkersExitWith2NamingTheOptionWithoutConnecting(params string[] options)
    {
        // An unused port: a connection attempt would end in exit code 3, so 2 proves the options were checked first.
        (int code, string stdout, string stderr) = await RunAsync(["train", "--data", "/d", "--gateway", UnusedGateway(), "--timeout", "1", .. options]);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(Lines(stderr));
        Assert.StartsWith("actorai train: ", line, StringComparison.Ordinal);
        Assert.Contains("--workers", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryProblemIsOneLine()
    {
        (int code, _, string stderr) = await RunAsync(
            ["train", "--gateway", UnusedGateway(), "--timeout", "1", "--steps", "0", "--job-id", "no spaces please", "--staleness", "3", "--minutes", "5"]);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        string[] lines = Lines(stderr);
        Assert.All(lines, l => Assert.StartsWith("actorai train: ", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("actorai train: --data:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("actorai train: --steps:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("actorai train: --job-id:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("actorai train: --staleness:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("unrecognized --minutes 5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidOptionsGoOnToConnect()
    {
        (int code, _, string stderr) = await RunAsync(["train", "--data", "/d", "--job-id", "j", "--gateway", UnusedGateway(), "--timeout", "1"]);

        Assert.Equal(ExitCodes.ClusterUnavailable, code);
        Assert.Contains("cannot reach the ActorAI cluster", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitsTheSpecAndFollowsTheJobToSuccess()
    {
        using var temp = new TempDirectory();
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 20);
        // The grain accepts the spec, then plays a 20-step run.
        FakeTrainingJob job = cluster.AddJob("job-1", states, metrics);

        (int code, string stdout, string stderr) = await RunAsync(cluster,
            ["train", "--data", temp.Path, "--preset", "tiny", "--steps", "20", "--workers", "4", "--job-id", "job-1"]);

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal(new TrainingJobSpec("tiny", temp.Path, 20, 16, Workers: 4, WarmupSteps: 20), job.Submitted);
        string[] output = Lines(stdout);
        Assert.StartsWith("Submitted training job job-1: tiny, 20 steps of 16 rows over 4 workers and 2 parameter shards, synchronous.", output[0], StringComparison.Ordinal);
        Assert.StartsWith("Training job job-1 succeeded after 20 steps, final loss 4.8000", output[^1], StringComparison.Ordinal);
        string[] progress = Lines(stderr);
        Assert.StartsWith("job-1: pending step 0/20 (0%)", progress[0], StringComparison.Ordinal);
        Assert.Contains(progress, l => l.StartsWith("job-1: running step 2/20 (10%) · loss 4.9800", StringComparison.Ordinal));
        Assert.StartsWith("job-1: succeeded step 20/20 (100%)", progress[^1], StringComparison.Ordinal);
        Assert.Equal(1, cluster.Connections);
    }

    [Theory]
    [InlineData(TrainingJobStatus.Failed, "failed at step 5/5: non-finite gradient norm at step 5")]
    [InlineData(TrainingJobStatus.Cancelled, "was cancelled at step 5/5: cancelled by a caller")]
    public async Task AJobThatDoesNotSucceedExitsWith1AndSaysWhy(TrainingJobStatus end, string expected)
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 5, end,
            end == TrainingJobStatus.Failed ? "non-finite gradient norm at step 5" : "cancelled by a caller");

        cluster.AddJob("job-1", states, metrics);

        (int code, _, string stderr) = await RunAsync(cluster, ["train", "--data", "/d", "--steps", "5", "--job-id", "job-1"]);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.EndsWith($"Training job job-1 {expected}", Lines(stderr)[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetachSubmitsAndReturns()
    {
        var cluster = new FakeCluster();

        (int code, string stdout, _) = await RunAsync(cluster, ["train", "--data", "/d", "--job-id", "job-1", "--detach"]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(["submit"], cluster.Job("job-1").Calls);
        Assert.Equal("Follow it with `actorai jobs watch job-1`.", Lines(stdout)[^1]);
    }

    [Fact]
    public async Task TheDefaultJobIdComesFromTheClock()
    {
        var cluster = new FakeCluster();
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

        (int code, string stdout, _) = await RunAsync(cluster, ["train", "--data", "/d", "--detach"], time: time);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.StartsWith("Submitted training job train-20260102-030405:", stdout, StringComparison.Ordinal);
        Assert.NotNull(cluster.Job("train-20260102-030405").Submitted);
    }

    [Fact]
    public async Task ARefusalFromTheClusterIsOneLinePerErrorWithExitCode2()
    {
        using var temp = new TempDirectory();
        var cluster = new FakeCluster();
        cluster.Job("job-1").Refusal = new TrainingJobException(["Job 'job-1' exists with another spec.", "Model 'huge' is not a preset."]);

        (int code, string stdout, string stderr) = await RunAsync(cluster, ["train", "--data", temp.Path, "--job-id", "job-1"]);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("", stdout);
        Assert.Equal(["actorai: Job 'job-1' exists with another spec.", "actorai: Model 'huge' is not a preset."], Lines(stderr));
    }

    [Fact]
    public async Task CtrlCStopsFollowingAndLeavesTheJobRunning()
    {
        var cluster = new FakeCluster();
        FakeTrainingJob job = cluster.AddJob("job-1", [Samples.Info("job-1", Samples.Spec(), TrainingJobStatus.Running, step: 3)]);
        using var cancel = new CancellationTokenSource();
        // Ctrl+C arrives while the job runs: the third poll cancels the command's token.
        job.Failure = () =>
        {
            if (job.GetCalls == 3)
            {
                cancel.Cancel();
            }
            return null;
        };

        (int code, _, string stderr) = await RunAsync(cluster, ["train", "--data", "/d", "--job-id", "job-1"], cancellation: cancel.Token);

        Assert.Equal(ExitCodes.Cancelled, code);
        Assert.StartsWith("actorai: stopped following job-1; the job keeps running", Lines(stderr)[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("cancel", job.Calls);
    }

    [Fact]
    public async Task HelpShowsTheSynopsis()
    {
        (int code, string stdout, _) = await RunAsync(["train", "--help"]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("actorai train --data NAME[@N]|DIR [--preset small] [--steps N] [--global-batch G] [--workers K] [--shards S] [--async [--staleness N]]", stdout, StringComparison.Ordinal);
        Assert.Contains("actorai train --local --data DIR", stdout, StringComparison.Ordinal);
        foreach (string option in (string[])["--stages S [--micro-batches M]", "--checkpoint-interval", "--min-lr", "--weight-decay", "--job-id", "--detach", "--gateway"])
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }

    internal static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string UnusedGateway() => $"127.0.0.1:{TestPorts.Free(1)[0]}";

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(
        FakeCluster cluster, string[] args, TimeProvider? time = null, CancellationToken cancellation = default)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = await CliApp.RunAsync(args, stdout, stderr, cluster.Environment(time), cancellation);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
