using System.Runtime.CompilerServices;
using ActorAI.Abstractions.Training;
using ActorAI.Cli.Rendering;
using ActorAI.Cli.Training;
using ActorAI.Client;
using Spectre.Console;

namespace ActorAI.Cli.Tests.Training;

/// <summary>The follower and its plain display, fed a fake progress sequence.</summary>
public sealed class JobFollowerTests
{
    [Theory]
    [InlineData(TrainingJobStatus.Succeeded, ExitCodes.Ok)]
    [InlineData(TrainingJobStatus.Failed, ExitCodes.Failure)]
    [InlineData(TrainingJobStatus.Cancelled, ExitCodes.Failure)]
    public async Task TheExitCodeFollowsTheFinalStatus(TrainingJobStatus end, int expected)
    {
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 3, end);

        (int code, _, _) = await FollowAsync(Progress(states, metrics));

        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task ASequenceThatEndsEarlyIsAFailure()
    {
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 3);

        (int code, _, string stderr) = await FollowAsync(Progress(states[..2], metrics));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith("actorai: lost track of job-1", stderr.Split('\n')[^2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainLinesComeAtStatusChangesTenthsAndTheEnd()
    {
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 100);
        var output = new StringWriter();

        await TrainingJobDisplay.For(output, new ManualTimeProvider(Samples.Submitted)).ShowAsync(Progress(states, metrics), CancellationToken.None);

        string[] lines = TrainCommandTests.Lines(output.ToString());
        Assert.Equal(
            ["pending step 0/", "running step 1/", .. Enumerable.Range(1, 9).Select(t => $"running step {t * 10}/"), "succeeded step 100/"],
            lines.Select(l => l["job-1: ".Length..(l.IndexOf('/', StringComparison.Ordinal) + 1)]));
    }

    [Fact]
    public async Task PlainLinesComeAtLeastEveryIntervalWhileStepsAdvance()
    {
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 100);
        var time = new ManualTimeProvider(Samples.Submitted);
        var output = new StringWriter();

        // Each step takes 4 s: a line every 10 s at the latest, beside the tenths.
        await TrainingJobDisplay.For(output, time).ShowAsync(Progress(states[..8], metrics, () => time.Advance(TimeSpan.FromSeconds(4))), CancellationToken.None);

        Assert.Equal(["0", "1", "4", "7"], TrainCommandTests.Lines(output.ToString()).Select(l => l.Split(' ')[3].Split('/')[0]));
    }

    [Fact]
    public async Task RecoveriesAndScalingGetTheirOwnLine()
    {
        TrainingJobSpec spec = Samples.Spec(steps: 100);
        TrainingJobInfo running = Samples.Info("job-1", spec, TrainingJobStatus.Running, step: 50);
        var output = new StringWriter();

        await TrainingJobDisplay.For(output, new ManualTimeProvider(Samples.Submitted)).ShowAsync(
            Progress([running, running with { Step = 51 }, running with { Step = 51, Recoveries = 1 }, running with { Step = 52, Recoveries = 1, Workers = 4 }], []),
            CancellationToken.None);

        Assert.Equal(3, TrainCommandTests.Lines(output.ToString()).Length);
    }

    [Fact]
    public async Task TheLiveDisplayRunsToTheEnd()
    {
        (TrainingJobInfo[] states, TrainingMetrics[] metrics) = Samples.Run("job-1", steps: 30);
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
        });

        TrainingJobInfo? last = await TrainingJobDisplay.Live(console).ShowAsync(Progress(states, metrics), CancellationToken.None);

        Assert.Equal(TrainingJobStatus.Succeeded, last?.Status);
        Assert.Contains("100% step 30/30", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("loss 4.7000", output.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> FollowAsync(IAsyncEnumerable<TrainingJobProgress> progress)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = await JobFollower.FollowAsync("job-1", progress, TrainingJobDisplay.For(stderr, new ManualTimeProvider(Samples.Submitted)), stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async IAsyncEnumerable<TrainingJobProgress> Progress(
        IReadOnlyList<TrainingJobInfo> states, IReadOnlyList<TrainingMetrics> metrics, Action? between = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long after = 0;
        foreach (TrainingJobInfo state in states)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TrainingMetrics[] fresh = [.. metrics.Where(m => m.Step > after && m.Step <= state.Step)];
            after = state.Step;
            yield return new TrainingJobProgress(state, fresh);
            between?.Invoke();
            await Task.Yield();
        }
    }
}
