namespace ActorAI.Abstractions.Training;

/// <summary>How parameter shards combine the trainers' gradients.</summary>
public enum TrainingMode
{
    /// <summary>Each step waits for every trainer's gradient, averages them and applies one update (equals the reference loop).</summary>
    Synchronous,
    /// <summary>Each gradient is applied as it arrives; gradients computed on parameters older than the staleness bound are refused.</summary>
    Asynchronous,
}

/// <summary>What a training job trains, on what, and how. Validate with <see cref="Validate"/>.</summary>
/// <param name="Model">Model preset name (<c>tiny</c>, <c>small</c>, <c>medium</c>, <c>gpt2</c>).</param>
/// <param name="Dataset">Directory (or manifest.json) of a prepared dataset, readable by every silo.</param>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="GlobalBatchRows">Rows (samples) per step across all trainers; divisible by the trainer count.</param>
/// <param name="Workers">Trainers (ranks).</param>
/// <param name="ParameterShards">Parameter shards the flattened parameters are split over.</param>
/// <param name="Mode">Synchronous or asynchronous updates.</param>
/// <param name="Staleness">Asynchronous mode: how many versions old a gradient's parameters may be.</param>
/// <param name="CheckpointInterval">
/// Snapshot every N steps (0: only at the end). Default <see cref="DefaultCheckpointInterval"/> (50): losing a silo costs
/// at most that many steps of work, for one snapshot of the weights and AdamW moments (3× the parameters) per 50 steps.
/// </param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="MinLearningRate">Final learning rate of the cosine decay.</param>
/// <param name="WarmupSteps">Linear warm-up steps.</param>
/// <param name="WeightDecay">AdamW decoupled weight decay.</param>
/// <param name="GradientClip">Global gradient-norm clip (0: off).</param>
/// <param name="Seed">Seed of the initial weights and of the data order.</param>
/// <param name="IntraOpThreads">
/// LibTorch threads per trainer while it computes (0: LibTorch's default). At most the cores of the smallest training
/// silo: a job asking for more is refused where the silos advertise their cores, and clamped to the cores otherwise.
/// </param>
/// <param name="CheckpointsToKeep">Checkpoints kept in the artifact store (the newest ones); at least 1. Default 3.</param>
/// <param name="Stages">
/// Pipeline stages each trainer's model is split into (GPipe: micro-batches run forward through stage grains on
/// different silos and backward in reverse); null for automatic: the fewest stages that fit the silos' free memory.
/// </param>
/// <param name="MicroBatches">Micro-batches per trainer step when pipelined (GPipe's M); null for 2 × stages, capped by the rows.</param>
/// <param name="EvalInterval">
/// Evaluate on the dataset's held-out split every N steps (0: only at the end); the last step is always evaluated. Default
/// <see cref="DefaultEvalInterval"/>.
/// </param>
/// <param name="EvalBatches">Held-out batches (of GlobalBatchRows / Workers rows) per evaluation. Default <see cref="DefaultEvalBatches"/>.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainingJobSpec")]
public sealed record TrainingJobSpec(
    [property: Id(0)] string Model,
    [property: Id(1)] string Dataset,
    [property: Id(2)] int Steps,
    [property: Id(3)] int GlobalBatchRows,
    [property: Id(4)] int Workers = 2,
    [property: Id(5)] int ParameterShards = 2,
    [property: Id(6)] TrainingMode Mode = TrainingMode.Synchronous,
    [property: Id(7)] int Staleness = 1,
    [property: Id(8)] int CheckpointInterval = TrainingJobSpec.DefaultCheckpointInterval,
    [property: Id(9)] double LearningRate = 1e-3,
    [property: Id(10)] double MinLearningRate = 1e-4,
    [property: Id(11)] int WarmupSteps = 100,
    [property: Id(12)] double WeightDecay = 0.1,
    [property: Id(13)] double GradientClip = 1.0,
    [property: Id(14)] long Seed = 1337,
    [property: Id(15)] int IntraOpThreads = 0,
    [property: Id(16)] int CheckpointsToKeep = TrainingJobSpec.DefaultCheckpointsToKeep,
    [property: Id(17)] int? Stages = null,
    [property: Id(18)] int? MicroBatches = null,
    [property: Id(19)] int EvalInterval = TrainingJobSpec.DefaultEvalInterval,
    [property: Id(20)] int EvalBatches = TrainingJobSpec.DefaultEvalBatches)
{
    /// <summary>Steps between checkpoints when the spec does not say: bounds the work a lost silo costs.</summary>
    public const int DefaultCheckpointInterval = 50;

    /// <summary>Checkpoints kept when the spec does not say.</summary>
    public const int DefaultCheckpointsToKeep = 3;

    /// <summary>The most trainers or shards a job may have.</summary>
    public const int MaxWorkers = 256;

    /// <summary>Steps between held-out evaluations when the spec does not say.</summary>
    public const int DefaultEvalInterval = 50;

    /// <summary>Held-out batches per evaluation when the spec does not say.</summary>
    public const int DefaultEvalBatches = 8;

    /// <summary>The most held-out batches one evaluation reads.</summary>
    public const int MaxEvalBatches = 1000;

    /// <summary>The most pipeline stages a trainer's model may be split into.</summary>
    public const int MaxStages = 16;

    /// <summary>The most micro-batches a pipelined trainer step may run.</summary>
    public const int MaxMicroBatches = 256;

    /// <summary>Every problem with the spec, each naming the field and its limit; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Model)) errors.Add("Model is required (a preset name such as tiny or small).");
        if (string.IsNullOrWhiteSpace(Dataset)) errors.Add("Dataset is required (a prepared dataset directory).");
        if (Steps < 1) errors.Add($"Steps must be at least 1 (was {Steps}).");
        if (Workers < 1 || Workers > MaxWorkers) errors.Add($"Workers must be between 1 and {MaxWorkers} (was {Workers}).");
        if (ParameterShards < 1 || ParameterShards > MaxWorkers) errors.Add($"ParameterShards must be between 1 and {MaxWorkers} (was {ParameterShards}).");
        if (GlobalBatchRows < 1) errors.Add($"GlobalBatchRows must be at least 1 (was {GlobalBatchRows}).");
        else if (Workers >= 1 && GlobalBatchRows % Workers != 0) errors.Add($"GlobalBatchRows ({GlobalBatchRows}) must be divisible by Workers ({Workers}).");
        if (Staleness < 0) errors.Add($"Staleness must be >= 0 (was {Staleness}).");
        if (CheckpointInterval < 0) errors.Add($"CheckpointInterval must be >= 0 (was {CheckpointInterval}).");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) errors.Add($"LearningRate must be positive (was {LearningRate}).");
        if (MinLearningRate < 0 || MinLearningRate > LearningRate) errors.Add($"MinLearningRate must be between 0 and LearningRate (was {MinLearningRate}).");
        if (WarmupSteps < 0 || WarmupSteps > Steps) errors.Add($"WarmupSteps must be between 0 and Steps (was {WarmupSteps}).");
        if (WeightDecay < 0 || !double.IsFinite(WeightDecay)) errors.Add($"WeightDecay must be >= 0 (was {WeightDecay}).");
        if (GradientClip < 0 || !double.IsFinite(GradientClip)) errors.Add($"GradientClip must be >= 0 (was {GradientClip}).");
        if (IntraOpThreads < 0) errors.Add($"IntraOpThreads must be >= 0 (was {IntraOpThreads}).");
        if (CheckpointsToKeep < 1) errors.Add($"CheckpointsToKeep must be at least 1 (was {CheckpointsToKeep}).");
        if (Stages is int stages && (stages < 1 || stages > MaxStages)) errors.Add($"Stages must be between 1 and {MaxStages} (was {stages}).");
        if (MicroBatches is int micro && (micro < 1 || micro > MaxMicroBatches)) errors.Add($"MicroBatches must be between 1 and {MaxMicroBatches} (was {micro}).");
        else if (MicroBatches is int m && Workers >= 1 && GlobalBatchRows % Workers == 0 && (GlobalBatchRows / Workers) % m != 0)
            errors.Add($"MicroBatches ({m}) must divide each trainer's {GlobalBatchRows / Workers} rows (GlobalBatchRows / Workers).");
        if (EvalInterval < 0) errors.Add($"EvalInterval must be >= 0 (was {EvalInterval}).");
        if (EvalBatches < 1 || EvalBatches > MaxEvalBatches) errors.Add($"EvalBatches must be between 1 and {MaxEvalBatches} (was {EvalBatches}).");
        if (Stages > 1 && Mode == TrainingMode.Asynchronous) errors.Add("Stages: pipeline training runs in Synchronous mode only.");
        return errors;
    }
}
