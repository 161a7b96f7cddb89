using System.CommandLine;
using ActorAI.Abstractions.Training;
using ActorAI.Cli.Training;

namespace ActorAI.Cli.Tests.Training;

/// <summary>How <c>actorai train</c>'s options become a <see cref="TrainingJobSpec"/>, and how they are checked.</summary>
public sealed class TrainArgumentsTests
{
    [Fact]
    public void EveryOptionIsMapped()
    {
        (TrainArguments arguments, ParseResult parse) = Parse(
            "--data", "./prepared", "--preset", "tiny", "--steps", "200", "--global-batch", "32", "--workers", "4", "--shards", "3",
            "--async", "--staleness", "5", "--checkpoint-interval", "25", "--keep-checkpoints", "5", "--lr", "3e-4", "--min-lr", "3e-5", "--warmup", "20",
            "--weight-decay", "0.05", "--clip", "0.5", "--seed", "7", "--threads", "2");

        TrainingJobSpec spec = arguments.ToSpec(parse);

        Assert.Equal(
            new TrainingJobSpec("tiny", Path.GetFullPath("prepared"), Steps: 200, GlobalBatchRows: 32, Workers: 4, ParameterShards: 3,
                Mode: TrainingMode.Asynchronous, Staleness: 5, CheckpointInterval: 25, LearningRate: 3e-4, MinLearningRate: 3e-5, WarmupSteps: 20,
                WeightDecay: 0.05, GradientClip: 0.5, Seed: 7, IntraOpThreads: 2, CheckpointsToKeep: 5),
            spec);
        Assert.Empty(arguments.Validate(parse, spec, "job-1"));
    }

    [Fact]
    public void DefaultsAreTheSpecsAndTheLocalTrainers()
    {
        (TrainArguments arguments, ParseResult parse) = Parse("--data", "/data/fortunes");

        TrainingJobSpec spec = arguments.ToSpec(parse);

        Assert.Equal(new TrainingJobSpec("small", "/data/fortunes", Steps: 1000, GlobalBatchRows: 16), spec);
        Assert.Equal(TrainingMode.Synchronous, spec.Mode);
        Assert.Equal(50, spec.CheckpointInterval); // a lost silo costs at most 50 steps
        Assert.Equal(3, spec.CheckpointsToKeep);
        Assert.False(parse.GetValue(arguments.Detach));
    }

    [Fact]
    public void StagesAndMicroBatchesAreMappedAndDefaultToNone()
    {
        (TrainArguments arguments, ParseResult parse) = Parse("--data", "d", "--workers", "2", "--stages", "3", "--micro-batches", "4");
        (TrainArguments plain, ParseResult unsplit) = Parse("--data", "d");

        TrainingJobSpec spec = arguments.ToSpec(parse);

        Assert.Equal((3, 4), (spec.Stages, spec.MicroBatches));
        Assert.Empty(arguments.Validate(parse, spec, "job-1"));
        Assert.Equal((null, null), (plain.ToSpec(unsplit).Stages, plain.ToSpec(unsplit).MicroBatches));
    }

    [Fact]
    public void PipelineFailuresNameTheirOptions()
    {
        (TrainArguments arguments, ParseResult parse) = Parse("--data", "d", "--workers", "2", "--stages", "17", "--micro-batches", "3", "--async");
        (TrainArguments alone, ParseResult microOnly) = Parse("--data", "d", "--micro-batches", "2");

        IReadOnlyList<string> problems = arguments.Validate(parse, arguments.ToSpec(parse), "job-1");
        IReadOnlyList<string> unsplit = alone.Validate(microOnly, alone.ToSpec(microOnly), "job-1");

        Assert.Contains(problems, p => p.StartsWith("--stages: Stages must be between 1 and 16 (was 17)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--micro-batches, --global-batch, --workers: MicroBatches (3) must divide each trainer's 8 rows", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--stages: Stages: pipeline training runs in Synchronous mode only", StringComparison.Ordinal));
        Assert.Equal("--micro-batches: applies only with --stages 2 or more (an unsplit worker computes its rows in one pass).", Assert.Single(unsplit));
    }

    [Fact]
    public void AsyncSetsTheModeAndKeepsTheDefaultStaleness()
    {
        (TrainArguments arguments, ParseResult parse) = Parse("--data", "d", "--async");

        TrainingJobSpec spec = arguments.ToSpec(parse);

        Assert.Equal(TrainingMode.Asynchronous, spec.Mode);
        Assert.Equal(new TrainingJobSpec("", "", 1, 1).Staleness, spec.Staleness);
    }

    [Fact]
    public void WarmupIsCappedAtTheSteps()
    {
        (TrainArguments arguments, ParseResult parse) = Parse("--data", "d", "--steps", "30");

        Assert.Equal(30, arguments.ToSpec(parse).WarmupSteps);
    }

    [Fact]
    public void TheDefaultJobIdIsTheUtcTime()
    {
        (TrainArguments arguments, ParseResult parse) = Parse("--data", "d");
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 11, 4, 5, TimeSpan.FromHours(1)));

        Assert.Equal("train-20261123-100405", arguments.ReadJobId(parse, time));
        (TrainArguments given, ParseResult withId) = Parse("--job-id", "mine");
        Assert.Equal("mine", given.ReadJobId(withId, time));
    }

    [Fact]
    public void FailuresNameTheOptions()
    {
        (TrainArguments arguments, ParseResult parse) = Parse(
            "--workers", "3", "--shards", "0", "--min-lr", "0.5", "--staleness", "2", "--threads", "-1", "--keep-checkpoints", "0");

        IReadOnlyList<string> problems = arguments.Validate(parse, arguments.ToSpec(parse), "bad id");

        Assert.Contains("--data: Dataset is required (a prepared dataset directory).", problems);
        Assert.Contains("--global-batch, --workers: GlobalBatchRows (16) must be divisible by Workers (3).", problems);
        Assert.Contains(problems, p => p.StartsWith("--shards: ParameterShards must be between 1 and 256", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--min-lr, --lr: MinLearningRate", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--threads: IntraOpThreads", StringComparison.Ordinal));
        Assert.Contains("--keep-checkpoints: CheckpointsToKeep must be at least 1 (was 0).", problems);
        Assert.Contains(problems, p => p.StartsWith("--staleness: applies only with --async", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--job-id: a job id is 1 to 64 characters", StringComparison.Ordinal));
        Assert.Equal(8, problems.Count);
    }

    [Fact]
    public void LocalArgumentsKeepTheUsersTokensInOrderLessWhatIsParsedHere()
    {
        var connection = new ConnectionSettings((_, _) => throw new InvalidOperationException());
        var arguments = new TrainArguments();
        var root = new RootCommand();
        connection.AddTo(root);
        var train = new Command("train") { TreatUnmatchedTokensAsErrors = false };
        arguments.AddTo(train);
        root.Add(train);

        ParseResult parse = root.Parse([
            "--gateway", "10.0.0.1:30000", "train", "--data=/x", "--local", "--lr", "3e-4", "--gateway", "127.0.0.1:1",
            "--minutes", "2", "--timeout", "5", "--steps", "5", "--", "--help"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(["--data", "/x", "--lr", "3e-4", "--minutes", "2", "--steps", "5", "--help"],
            TrainArguments.LocalArguments(parse, [arguments.Local, .. connection.All]));
    }

    private static (TrainArguments Arguments, ParseResult Parse) Parse(params string[] args)
    {
        var arguments = new TrainArguments();
        var train = new Command("train");
        arguments.AddTo(train);
        ParseResult parse = train.Parse(args);
        Assert.Empty(parse.Errors);
        return (arguments, parse);
    }
}
