using System.Text.Json;
using ActorAI.Abstractions.Training;

namespace ActorAI.Cli.Tests.Training;

/// <summary><c>actorai jobs ...</c> against a fake cluster.</summary>
public sealed class JobsCommandTests
{
    private static string[] Lines(string text) => TrainCommandTests.Lines(text);

    [Fact]
    public async Task ListPrintsATableOfEveryJob()
    {
        var cluster = new FakeCluster();
        cluster.AddJob("job-a", [Samples.Info("job-a", Samples.Spec(), TrainingJobStatus.Running, step: 40, last: Samples.Metrics(40, loss: 2.5))]);
        cluster.AddJob("job-b", [Samples.Info("job-b", Samples.Spec() with { Mode = TrainingMode.Asynchronous, Staleness = 2 }, TrainingJobStatus.Succeeded, step: 100)]);

        (int code, string stdout, _) = await RunAsync(cluster, "jobs", "list");

        Assert.Equal(ExitCodes.Ok, code);
        string a = Assert.Single(Lines(stdout), l => l.Contains("job-a", StringComparison.Ordinal));
        Assert.Contains("running", a, StringComparison.Ordinal);
        Assert.Contains("40/100", a, StringComparison.Ordinal);
        Assert.Contains("2.5000", a, StringComparison.Ordinal);
        Assert.Contains("sync", a, StringComparison.Ordinal);
        string b = Assert.Single(Lines(stdout), l => l.Contains("job-b", StringComparison.Ordinal));
        Assert.Contains("async ≤2", b, StringComparison.Ordinal);
        Assert.Contains("2 jobs: 1 running, 1 succeeded", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsJson()
    {
        var cluster = new FakeCluster();
        cluster.AddJob("job-a", [Samples.Info("job-a", Samples.Spec(), TrainingJobStatus.Running, step: 40)]);

        (int code, string stdout, _) = await RunAsync(cluster, "jobs", "list", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement job = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("job-a", job.GetProperty("jobId").GetString());
        Assert.Equal("running", job.GetProperty("status").GetString());
        Assert.Equal("synchronous", job.GetProperty("spec").GetProperty("mode").GetString());
    }

    [Fact]
    public async Task ShowPrintsDetailsAndRecentMetrics()
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-a", steps: 30);
        TrainingJobInfo info = states[^1] with { LastCheckpoint = new TrainingCheckpoint(25, ["0123456789abcdef0123", "fedcba9876543210fedc"]) };
        cluster.AddJob("job-a", [info], metrics);

        (int code, string stdout, _) = await RunAsync(cluster, "jobs", "show", "job-a", "--metrics", "3");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("step 25: 2 shard artifacts 0123456789ab…, fedcba987654…", stdout, StringComparison.Ordinal);
        Assert.Contains("ab12cd34ef56ab12cd34ef56", stdout, StringComparison.Ordinal);
        Assert.Contains("small on /data/fortunes", stdout, StringComparison.Ordinal);
        Assert.Contains("metrics(27,3)", cluster.Job("job-a").Calls);
        Assert.Equal(3, Lines(stdout).Count(l => l.Contains("12,345", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ShowAsJson()
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-a", steps: 30);
        cluster.AddJob("job-a", [states[^1]], metrics);

        (int code, string stdout, _) = await RunAsync(cluster, "jobs", "show", "job-a", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.Equal("succeeded", json.RootElement.GetProperty("job").GetProperty("status").GetString());
        Assert.Equal(10, json.RootElement.GetProperty("recentMetrics").GetArrayLength());
    }

    [Theory]
    [InlineData("show")]
    [InlineData("watch")]
    [InlineData("cancel")]
    [InlineData("pause")]
    [InlineData("resume")]
    public async Task AnUnknownJobIsOneLineAndExitCode2(string command)
    {
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await RunAsync(cluster, "jobs", command, "nobody");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("", stdout);
        Assert.Equal("actorai: no training job 'nobody' (`actorai jobs list` shows them all).", Assert.Single(Lines(stderr)));
    }

    [Theory]
    [InlineData("show", "bad/id")]
    [InlineData("cancel", "")]
    [InlineData("scale", "bad id", "2")]
    [InlineData("scale", "job-a", "0")]
    [InlineData("show", "job-a", "--metrics", "-1")]
    public async Task BadArgumentsExitWith2BeforeConnecting(params string[] args)
    {
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await RunAsync(cluster, ["jobs", .. args]);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.StartsWith($"actorai jobs {args[0]}: ", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
        Assert.Equal(0, cluster.Connections);
    }

    [Theory]
    [InlineData("cancel", "cancel", "job-a: cancelled at step 40/100.")]
    [InlineData("pause", "pause", "job-a: paused at step 40/100; continue with `actorai jobs resume job-a`.")]
    [InlineData("resume", "resume", "job-a: running at step 40/100.")]
    public async Task ControlCommandsCallTheJobAndSayWhereItStands(string command, string call, string expected)
    {
        var cluster = new FakeCluster();
        FakeTrainingJob job = cluster.AddJob("job-a", [Samples.Info("job-a", Samples.Spec(), TrainingJobStatus.Running, step: 40)]);

        (int code, string stdout, _) = await RunAsync(cluster, "jobs", command, "job-a");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal([call], job.Calls.Where(c => c != "get"));
        Assert.Equal(expected, Assert.Single(Lines(stdout)));
    }

    [Fact]
    public async Task ScaleToACountThatDividesTheBatch()
    {
        var cluster = new FakeCluster();
        FakeTrainingJob job = cluster.AddJob("job-a", [Samples.Info("job-a", Samples.Spec(globalBatch: 16), TrainingJobStatus.Running, step: 40)]);

        (int code, string stdout, _) = await RunAsync(cluster, "jobs", "scale", "job-a", "8");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("scale(8)", job.Calls);
        Assert.Equal("job-a: 8 workers from the next step (2 of 16 rows each); running at step 40/100.", Assert.Single(Lines(stdout)));
    }

    [Fact]
    public async Task ScaleToACountThatDoesNotDivideTheBatchIsRefusedWithExitCode2()
    {
        var cluster = new FakeCluster();
        FakeTrainingJob job = cluster.AddJob("job-a", [Samples.Info("job-a", Samples.Spec(globalBatch: 16), TrainingJobStatus.Running, step: 40)]);

        (int code, _, string stderr) = await RunAsync(cluster, "jobs", "scale", "job-a", "3");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("actorai: GlobalBatchRows (16) must be divisible by Workers (3).", Assert.Single(Lines(stderr)));
        Assert.DoesNotContain("scale(3)", job.Calls);
    }

    [Fact]
    public async Task ARefusalFromTheJobIsOneLinePerErrorWithExitCode2()
    {
        var cluster = new FakeCluster();
        FakeTrainingJob job = cluster.AddJob("job-a", [Samples.Info("job-a", Samples.Spec(), TrainingJobStatus.Running, step: 40)]);
        job.Refusal = new TrainingJobException(["Workers: 4 trainers need 4 silos with room; 2 have."]);

        (int code, _, string stderr) = await RunAsync(cluster, "jobs", "scale", "job-a", "4");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("actorai: Workers: 4 trainers need 4 silos with room; 2 have.", Assert.Single(Lines(stderr)));
    }

    [Theory]
    [InlineData(TrainingJobStatus.Succeeded, ExitCodes.Ok)]
    [InlineData(TrainingJobStatus.Failed, ExitCodes.Failure)]
    [InlineData(TrainingJobStatus.Cancelled, ExitCodes.Failure)]
    public async Task WatchFollowsFromTheCurrentStepToTheEnd(TrainingJobStatus end, int expected)
    {
        var cluster = new FakeCluster();
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-a", steps: 10, end, end == TrainingJobStatus.Succeeded ? null : "stopped");
        FakeTrainingJob job = cluster.AddJob("job-a", states[4..], metrics);

        (int code, string stdout, string stderr) = await RunAsync(cluster, "jobs", "watch", "job-a");

        Assert.Equal(expected, code);
        Assert.Equal("metrics(4,500)", job.Calls[1]); // after the step the job was at
        Assert.StartsWith("job-a: running step 5/10", Lines(stderr)[0], StringComparison.Ordinal);
        Assert.Contains($"Training job job-a {(end == TrainingJobStatus.Cancelled ? "was cancelled" : TrainingJobRenderingName(end))}", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpListsTheSubcommands()
    {
        (int code, string stdout, _) = await RunAsync(new FakeCluster(), "jobs", "--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (string synopsis in (string[])["actorai jobs list [--json]", "actorai jobs show JOB [--json]", "actorai jobs cancel|pause|resume JOB",
            "actorai jobs scale JOB WORKERS", "actorai jobs watch JOB"])
        {
            Assert.Contains(synopsis, stdout, StringComparison.Ordinal);
        }
    }

    private static string TrainingJobRenderingName(TrainingJobStatus status) => status.ToString().ToLowerInvariant();

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(FakeCluster cluster, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = await CliApp.RunAsync(args, stdout, stderr, cluster.Environment());
        return (code, stdout.ToString(), stderr.ToString());
    }
}
