using ActorAI.Compute.Pipeline;

namespace ActorAI.Grains.Serving.Pipeline;

/// <summary>What a model shard loads: stage <see cref="Stage"/> of <see cref="Stages"/> of a version's checkpoint.</summary>
/// <param name="Artifact">The checkpoint's SHA-256 in the artifact store.</param>
/// <param name="Stage">This stage's index.</param>
/// <param name="Stages">Stages the model is split into.</param>
/// <param name="BlockSize">Positions per KV-cache block (the coordinator's).</param>
/// <param name="MaxBlocks">The KV-cache budget in blocks (the coordinator's).</param>
/// <param name="FirstLayer">The first block this stage holds.</param>
/// <param name="EndLayer">One past the last block this stage holds.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ModelShardSpec")]
public sealed record ModelShardSpec(
    [property: Id(0)] string Artifact,
    [property: Id(1)] int Stage,
    [property: Id(2)] int Stages,
    [property: Id(3)] int BlockSize,
    [property: Id(4)] int MaxBlocks,
    [property: Id(5)] int FirstLayer,
    [property: Id(6)] int EndLayer)
{
    /// <summary>The blocks of this stage.</summary>
    public StageRange Range => new(Stage, Stages, FirstLayer, EndLayer);
}

/// <summary>The wire form of <see cref="StageStep"/>.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.StageStepMessage")]
public sealed record StageStepMessage(
    [property: Id(0)] long[] Tokens,
    [property: Id(1)] long[] Positions,
    [property: Id(2)] long[] WriteRows,
    [property: Id(3)] StageGroupMessage[] Groups,
    [property: Id(4)] long[] SampleRows,
    [property: Id(5)] float[] Hidden,
    [property: Id(6)] BlockCopyMessage[] Copies)
{
    public static StageStepMessage From(StageStep step) => new(
        step.Tokens, step.Positions, step.WriteRows, [.. step.Groups.Select(StageGroupMessage.From)], step.SampleRows, step.Hidden,
        [.. step.Copies.Select(c => new BlockCopyMessage(c.From, c.To, c.Positions))]);

    public StageStep ToStep() => new(
        Tokens, Positions, WriteRows, [.. Groups.Select(g => g.ToGroup())], SampleRows, Hidden,
        [.. Copies.Select(c => new BlockCopy(c.From, c.To, c.Positions))]);
}

/// <summary>The wire form of <see cref="StageGroup"/>.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.StageGroupMessage")]
public sealed record StageGroupMessage(
    [property: Id(0)] int Start,
    [property: Id(1)] int Count,
    [property: Id(2)] bool Prefill,
    [property: Id(3)] int Past,
    [property: Id(4)] int Keys,
    [property: Id(5)] int[]? Blocks,
    [property: Id(6)] int BlockRows,
    [property: Id(7)] int BlockColumns,
    [property: Id(8)] long FirstRow,
    [property: Id(9)] bool[]? Mask,
    [property: Id(10)] long[]? MaskShape)
{
    public static StageGroupMessage From(StageGroup g) =>
        new(g.Start, g.Count, g.Prefill, g.Past, g.Keys, g.Blocks, g.BlockRows, g.BlockColumns, g.FirstRow, g.Mask, g.MaskShape);

    public StageGroup ToGroup() => new(Start, Count, Prefill, Past, Keys, Blocks, BlockRows, BlockColumns, FirstRow, Mask, MaskShape);
}

/// <summary>The wire form of <see cref="BlockCopy"/>.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.BlockCopyMessage")]
public sealed record BlockCopyMessage([property: Id(0)] int From, [property: Id(1)] int To, [property: Id(2)] int Positions);

/// <summary>A stage's reply: its output, and the cache epoch it ran in.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.StageStepReply")]
public sealed record StageStepReply([property: Id(0)] float[] Output, [property: Id(1)] Guid Epoch);

/// <summary>A stage's cache epoch and the silo it runs on.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.StageActivation")]
public sealed record StageActivation([property: Id(0)] Guid Epoch, [property: Id(1)] string Silo);

/// <summary>
/// The step named a KV-cache epoch this activation does not hold (it was reactivated, so its cache is empty): the
/// coordinator resets the stage and replays what it kept.
/// </summary>
[GenerateSerializer, Alias("ActorAI.StageEpochException")]
public sealed class StageEpochException : Exception
{
    public StageEpochException(string message) : base(message) { }

    public StageEpochException() : base("the stage does not hold the KV cache the step expects") { }

    public StageEpochException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// One stage of a pipelined replica (key: <c>deployment/replica/stage</c>): a contiguous run of the model's blocks
/// and the keys and values of its blocks for the replica's sequences. Not reentrant: one step at a time, so the
/// coordinator's micro-batches queue here and overlap across stages.
/// </summary>
[Alias("ActorAI.IModelShardGrain")]
internal interface IModelShardGrain : IGrainWithStringKey
{
    /// <summary>Loads <paramref name="spec"/> (idempotent; a reactivation loads it again) and returns the cache epoch.</summary>
    [Alias("Load")]
    Task<StageActivation> LoadAsync(ModelShardSpec spec);

    /// <summary>Runs one step in cache epoch <paramref name="epoch"/>.</summary>
    /// <exception cref="StageEpochException">This activation's cache is not that epoch's.</exception>
    [Alias("Step")]
    Task<StageStepReply> StepAsync(Guid epoch, StageStepMessage step);

    /// <summary>Drops the KV cache and starts a new epoch, which it returns.</summary>
    [Alias("Reset")]
    Task<StageActivation> ResetAsync();

    /// <summary>Unloads and forgets the spec (the replica drained).</summary>
    [Alias("Release")]
    Task ReleaseAsync();
}
