using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using ActorAI.Abstractions.Datasets;
using ActorAI.Abstractions.Training;
using ActorAI.Client;

namespace ActorAI.Cli.Training;

/// <summary>
/// The options of <c>actorai train</c> and their mapping onto <see cref="TrainingJobSpec"/>, whose defaults they show.
/// Checking is left to <see cref="TrainingJobSpec.Validate"/>; <see cref="Validate"/> names the command-line options
/// in each of its failures. With <c>--local</c> the same options go to actorai-compute instead (see
/// <see cref="LocalArguments"/>), so the names match actorai-compute train's where both have one.
/// </summary>
internal sealed partial class TrainArguments
{
    private static readonly TrainingJobSpec Defaults = new("", "", Steps: 1, GlobalBatchRows: 1);

    /// <summary>The model when --preset is not given.</summary>
    public const string DefaultPreset = "small";

    /// <summary>Steps when --steps is not given (as <c>actorai train --local</c>).</summary>
    public const int DefaultSteps = 1000;

    /// <summary>Rows per step when --global-batch is not given (as <c>actorai train --local</c>'s one micro-batch of 16).</summary>
    public const int DefaultGlobalBatch = 16;

    public Option<bool> Local { get; } = new("--local")
    {
        Description = "Train on this machine with actorai-compute instead of the cluster. The other options are then actorai-compute train's: "
            + "--data DIR (required), --preset, --steps N or --minutes M, --checkpoint-dir, --init, --resume, ...; "
            + "`actorai train --local -- --help` lists them.",
    };

    public Option<string?> Data { get; } = new("--data")
    {
        HelpName = "NAME[@N]|DIR",
        Description = "A dataset pushed with `actorai data push` (NAME: its latest version, pinned when the job is submitted; NAME@N), "
            + "read by every silo through the artifact store; or a prepared directory (or its manifest.json), which every silo must be able "
            + "to read at this path. A value with a '/' is a path: write ./DIR for a directory here. With --local, a path only.",
    };

    public Option<string> Preset { get; } = new("--preset")
    {
        HelpName = "NAME",
        Description = "Model preset: tiny, small, medium or gpt2.",
        DefaultValueFactory = _ => DefaultPreset,
    };

    public Option<int> Steps { get; } = new("--steps") { HelpName = "N", Description = "Optimizer steps.", DefaultValueFactory = _ => DefaultSteps };

    public Option<int> GlobalBatch { get; } = new("--global-batch")
    {
        HelpName = "ROWS",
        Description = "Rows (samples) per step across all workers; divisible by --workers.",
        DefaultValueFactory = _ => DefaultGlobalBatch,
    };

    public Option<int> Workers { get; } = new("--workers")
    {
        HelpName = "K",
        Description = $"Trainers (ranks), 1 to {TrainingJobSpec.MaxWorkers}; each computes --global-batch / --workers rows per step.",
        DefaultValueFactory = _ => Defaults.Workers,
    };

    public Option<int> Shards { get; } = new("--shards")
    {
        HelpName = "S",
        Description = $"Parameter shards the weights and optimizer state are split over, 1 to {TrainingJobSpec.MaxWorkers}.",
        DefaultValueFactory = _ => Defaults.ParameterShards,
    };

    public Option<int?> Stages { get; } = new("--stages")
    {
        HelpName = "S",
        Description = $"Pipeline stages each worker's model is split into, 1 to {TrainingJobSpec.MaxStages} (GPipe: each stage is a grain, placed like "
            + "workers; micro-batches run forward through the stages and backward in reverse). For a model too large for one silo's memory. "
            + "Synchronous only. Default 1.",
    };

    public Option<int?> MicroBatches { get; } = new("--micro-batches")
    {
        HelpName = "M",
        Description = "With --stages: micro-batches per worker step (more shrink the pipeline bubble); must divide --global-batch / --workers. "
            + "Default 2 × stages, lowered to divide the rows.",
    };

    public Option<bool> Async { get; } = new("--async")
    {
        Description = "Asynchronous updates: apply each worker's gradient as it arrives instead of averaging the step's.",
    };

    public Option<int?> Staleness { get; } = new("--staleness")
    {
        HelpName = "N",
        Description = $"With --async: how many versions old a gradient's parameters may be. Default {Defaults.Staleness}.",
    };

    public Option<int> CheckpointInterval { get; } = new("--checkpoint-interval")
    {
        HelpName = "N",
        Description = "Checkpoint every N steps (0: only at the end); a job that loses a silo resumes from the last one, so at most N steps are redone.",
        DefaultValueFactory = _ => Defaults.CheckpointInterval,
    };

    public Option<int> EvalInterval { get; } = new("--eval-interval")
    {
        HelpName = "N",
        Description = "Evaluate on the dataset's held-out split every N steps (0: only at the end; the end always is): loss and bits/byte in the job's metrics.",
        DefaultValueFactory = _ => Defaults.EvalInterval,
    };

    public Option<int> EvalBatches { get; } = new("--eval-batches")
    {
        HelpName = "N",
        Description = "Held-out batches per evaluation.",
        DefaultValueFactory = _ => Defaults.EvalBatches,
    };

    public Option<int> KeepCheckpoints { get; } = new("--keep-checkpoints")
    {
        HelpName = "N",
        Description = "Checkpoints kept in the artifact store (the newest N, at least 1).",
        DefaultValueFactory = _ => Defaults.CheckpointsToKeep,
    };

    public Option<double> LearningRate { get; } = new("--lr") { HelpName = "RATE", Description = "Peak learning rate.", DefaultValueFactory = _ => Defaults.LearningRate };

    public Option<double> MinLearningRate { get; } = new("--min-lr")
    {
        HelpName = "RATE",
        Description = "Final learning rate of the cosine decay.",
        DefaultValueFactory = _ => Defaults.MinLearningRate,
    };

    public Option<int> Warmup { get; } = new("--warmup")
    {
        HelpName = "STEPS",
        Description = "Linear warm-up steps (capped at --steps).",
        DefaultValueFactory = _ => Defaults.WarmupSteps,
    };

    public Option<double> WeightDecay { get; } = new("--weight-decay") { HelpName = "DECAY", Description = "AdamW weight decay.", DefaultValueFactory = _ => Defaults.WeightDecay };

    public Option<double> Clip { get; } = new("--clip") { HelpName = "NORM", Description = "Gradient-norm clip (0: off).", DefaultValueFactory = _ => Defaults.GradientClip };

    public Option<long> Seed { get; } = new("--seed") { HelpName = "SEED", Description = "Seed of the initial weights and the data order.", DefaultValueFactory = _ => Defaults.Seed };

    public Option<int> Threads { get; } = new("--threads")
    {
        HelpName = "N",
        Description = "LibTorch intra-op threads per worker (0: LibTorch's default).",
        DefaultValueFactory = _ => Defaults.IntraOpThreads,
    };

    public Option<string?> JobId { get; } = new("--job-id")
    {
        HelpName = "ID",
        Description = $"The job's id ({TrainingJobIds.Rule}). Default train-<UTC yyyyMMdd-HHmmss>.",
    };

    public Option<bool> Detach { get; } = new("--detach")
    {
        Description = "Submit and return; follow later with `actorai jobs watch ID`.",
    };

    /// <summary>Every option, in the order help lists them.</summary>
    public IReadOnlyList<Option> All =>
    [
        Data, Preset, Steps, GlobalBatch, Workers, Shards, Stages, MicroBatches, Async, Staleness, CheckpointInterval, KeepCheckpoints,
        EvalInterval, EvalBatches,
        LearningRate, MinLearningRate, Warmup, WeightDecay, Clip, Seed, Threads, JobId, Detach, Local,
    ];

    public void AddTo(Command command)
    {
        foreach (Option option in All)
        {
            command.Add(option);
        }
    }

    /// <summary>
    /// The spec the command line asks for; <see cref="TrainingJobSpec.Dataset"/> is --data as given when it is a dataset
    /// reference (no '/', see <see cref="DatasetNames"/>), else its full path.
    /// </summary>
    public TrainingJobSpec ToSpec(ParseResult parse)
    {
        string? data = parse.GetValue(Data);
        int steps = parse.GetValue(Steps);
        bool asynchronous = parse.GetValue(Async);
        return new TrainingJobSpec(
            Model: parse.GetValue(Preset) ?? "",
            Dataset: string.IsNullOrWhiteSpace(data) ? "" : DatasetNames.IsPath(data) ? Path.GetFullPath(data) : data,
            Steps: steps,
            GlobalBatchRows: parse.GetValue(GlobalBatch),
            Workers: parse.GetValue(Workers),
            ParameterShards: parse.GetValue(Shards),
            Mode: asynchronous ? TrainingMode.Asynchronous : TrainingMode.Synchronous,
            Staleness: parse.GetValue(Staleness) ?? Defaults.Staleness,
            CheckpointInterval: parse.GetValue(CheckpointInterval),
            LearningRate: parse.GetValue(LearningRate),
            MinLearningRate: parse.GetValue(MinLearningRate),
            // As actorai train --local: a run shorter than the warm-up warms up over all of it.
            WarmupSteps: steps >= 0 ? Math.Min(parse.GetValue(Warmup), steps) : parse.GetValue(Warmup),
            WeightDecay: parse.GetValue(WeightDecay),
            GradientClip: parse.GetValue(Clip),
            Seed: parse.GetValue(Seed),
            IntraOpThreads: parse.GetValue(Threads),
            CheckpointsToKeep: parse.GetValue(KeepCheckpoints),
            Stages: parse.GetValue(Stages),
            MicroBatches: parse.GetValue(MicroBatches),
            EvalInterval: parse.GetValue(EvalInterval),
            EvalBatches: parse.GetValue(EvalBatches));
    }

    /// <summary>--job-id, else <c>train-</c> and the UTC time to the second.</summary>
    public string ReadJobId(ParseResult parse, TimeProvider timeProvider) =>
        parse.GetValue(JobId) ?? "train-" + timeProvider.GetUtcNow().UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>Every problem of the command line, each prefixed with the options it concerns.</summary>
    public IReadOnlyList<string> Validate(ParseResult parse, TrainingJobSpec spec, string jobId)
    {
        var problems = new List<string>();
        foreach (string failure in spec.Validate())
        {
            string[] options = [.. PropertyName().Matches(failure).Select(m => OptionFor(m.Value)).OfType<string>().Distinct()];
            problems.Add(options.Length > 0 ? $"{string.Join(", ", options)}: {failure}" : failure);
        }
        if (parse.GetValue(Staleness) is not null && spec.Mode != TrainingMode.Asynchronous)
        {
            problems.Add($"{Staleness.Name}: applies only with {Async.Name} (synchronous steps wait for every gradient).");
        }
        if (spec.MicroBatches is not null && !(spec.Stages > 1))
        {
            problems.Add($"{MicroBatches.Name}: applies only with {Stages.Name} 2 or more (an unsplit worker computes its rows in one pass).");
        }
        if (DataProblem(parse.GetValue(Data)) is { } dataProblem)
        {
            problems.Add($"{Data.Name}: {dataProblem}");
        }
        if (TrainingJobIds.Problem(jobId) is { } problem)
        {
            problems.Add($"{JobId.Name}: {problem}");
        }
        return problems;
    }

    // A value without a '/' is a dataset reference; one that is not well formed, or that is also the name of something
    // here (which the user may have meant), is refused rather than guessed at.
    private static string? DataProblem(string? data)
    {
        if (string.IsNullOrWhiteSpace(data) || DatasetNames.IsPath(data))
        {
            return null;
        }
        if (DatasetNames.ReferenceProblem(data) is { } problem)
        {
            return $"{problem}; a directory needs a '/' (./{data})";
        }
        return Directory.Exists(data) || File.Exists(data)
            ? $"'{data}' is read as a dataset name, but '{data}' also exists here: write ./{data} for the directory, or {data.Split('@')[0]}@{DatasetNames.Latest} for the dataset"
            : null;
    }

    /// <summary>
    /// The tokens to hand to actorai-compute with --local: those the user typed after <c>train</c>, in their order, less
    /// --local itself, the cluster connection options (parsed here, meaningless there) and the <c>--</c> separator.
    /// </summary>
    public static IReadOnlyList<string> LocalArguments(ParseResult parse, IReadOnlyCollection<Option> parsedHere)
    {
        // An option's own token names it (every repetition, too); its values are in its result.
        var values = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        foreach (Option option in parsedHere)
        {
            if (parse.GetResult(option) is { } result)
            {
                values.UnionWith(result.Tokens);
            }
        }
        return [.. parse.Tokens
            .SkipWhile(t => t.Type != TokenType.Command)
            .Skip(1)
            .Where(t => t.Type != TokenType.DoubleDash && !values.Contains(t) && !(t.Type == TokenType.Option && parsedHere.Any(o => o.Name == t.Value || o.Aliases.Contains(t.Value))))
            .Select(t => t.Value)];
    }

    // Spec property names as they start the validator's messages; longest first so that MinLearningRate wins over LearningRate.
    [GeneratedRegex(@"\b(GlobalBatchRows|ParameterShards|CheckpointInterval|CheckpointsToKeep|MinLearningRate|LearningRate|WarmupSteps|WeightDecay|GradientClip|IntraOpThreads|MicroBatches|EvalInterval|EvalBatches|Staleness|Workers|Stages|Dataset|Model|Steps)\b")]
    private static partial Regex PropertyName();

    private string? OptionFor(string property) => property switch
    {
        nameof(TrainingJobSpec.Model) => Preset.Name,
        nameof(TrainingJobSpec.Dataset) => Data.Name,
        nameof(TrainingJobSpec.Steps) => Steps.Name,
        nameof(TrainingJobSpec.GlobalBatchRows) => GlobalBatch.Name,
        nameof(TrainingJobSpec.Workers) => Workers.Name,
        nameof(TrainingJobSpec.ParameterShards) => Shards.Name,
        nameof(TrainingJobSpec.Stages) => Stages.Name,
        nameof(TrainingJobSpec.MicroBatches) => MicroBatches.Name,
        nameof(TrainingJobSpec.Staleness) => Staleness.Name,
        nameof(TrainingJobSpec.CheckpointInterval) => CheckpointInterval.Name,
        nameof(TrainingJobSpec.CheckpointsToKeep) => KeepCheckpoints.Name,
        nameof(TrainingJobSpec.EvalInterval) => EvalInterval.Name,
        nameof(TrainingJobSpec.EvalBatches) => EvalBatches.Name,
        nameof(TrainingJobSpec.LearningRate) => LearningRate.Name,
        nameof(TrainingJobSpec.MinLearningRate) => MinLearningRate.Name,
        nameof(TrainingJobSpec.WarmupSteps) => Warmup.Name,
        nameof(TrainingJobSpec.WeightDecay) => WeightDecay.Name,
        nameof(TrainingJobSpec.GradientClip) => Clip.Name,
        nameof(TrainingJobSpec.IntraOpThreads) => Threads.Name,
        _ => null,
    };
}
