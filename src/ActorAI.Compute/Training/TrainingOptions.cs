namespace ActorAI.Compute.Training;

/// <summary>Settings of the reference training loop; defaults follow nanoGPT's small-model recipes.</summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps. Default 1000.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Rows per forward/backward pass. Default 16.</summary>
    public int MicroBatchRows { get; init; } = 16;

    /// <summary>Micro-batches per step (gradient accumulation); the global batch is their product. Default 1.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Peak learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning rate at the end of the cosine decay. Default 1e-4.</summary>
    public double MinLearningRate { get; init; } = 1e-4;

    /// <summary>Linear warm-up steps. Default 100.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW settings.</summary>
    public AdamWSettings Optimizer { get; init; } = new();

    /// <summary>Global gradient-norm clip; 0 disables. Default 1.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Validate every N steps (and at the end); 0 only at the end. Default 100.</summary>
    public int EvalInterval { get; init; } = 100;

    /// <summary>Validation batches per evaluation. Default 20.</summary>
    public int EvalBatches { get; init; } = 20;

    /// <summary>Write a checkpoint every N steps (and at the end) when <see cref="CheckpointDirectory"/> is set; 0 only at the end.</summary>
    public int CheckpointInterval { get; init; }

    /// <summary>Where checkpoints go; null for none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Seed of weight initialisation and dropout. Default 1337.</summary>
    public long Seed { get; init; } = 1337;

    /// <summary>LibTorch intra-op threads; 0 keeps the default. Fix it for bit-reproducible runs.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Fine-tuning: blocks (from the bottom) whose weights stay frozen, with the embeddings. Default 0.</summary>
    public int FrozenLayers { get; init; }

    /// <summary>Extra metadata written into every checkpoint (e.g. the tokenizer spec).</summary>
    public IReadOnlyDictionary<string, string>? CheckpointMetadata { get; init; }

    /// <summary>Rows per global batch.</summary>
    public int GlobalBatchRows => MicroBatchRows * GradientAccumulation;

    /// <summary>Checks every setting; the message names it and its limit.</summary>
    public void Validate()
    {
        Require(Steps >= 1, $"Steps must be at least 1 (was {Steps})");
        Require(MicroBatchRows >= 1, $"MicroBatchRows must be at least 1 (was {MicroBatchRows})");
        Require(GradientAccumulation >= 1, $"GradientAccumulation must be at least 1 (was {GradientAccumulation})");
        Require(WarmupSteps >= 0 && WarmupSteps <= Steps, $"WarmupSteps must be between 0 and Steps ({Steps}) (was {WarmupSteps})");
        Require(GradientClip >= 0 && double.IsFinite(GradientClip), $"GradientClip must be >= 0 (was {GradientClip})");
        Require(EvalInterval >= 0, $"EvalInterval must be >= 0 (was {EvalInterval})");
        Require(EvalBatches >= 1, $"EvalBatches must be at least 1 (was {EvalBatches})");
        Require(CheckpointInterval >= 0, $"CheckpointInterval must be >= 0 (was {CheckpointInterval})");
        Require(IntraOpThreads >= 0, $"IntraOpThreads must be >= 0 (was {IntraOpThreads})");
        Require(FrozenLayers >= 0, $"FrozenLayers must be >= 0 (was {FrozenLayers})");
        new LearningRateSchedule(LearningRate, MinLearningRate, WarmupSteps, Steps).Validate();
        Optimizer.Validate();
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
