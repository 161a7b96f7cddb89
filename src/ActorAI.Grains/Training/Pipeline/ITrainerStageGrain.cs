using ActorAI.Abstractions.Training;

namespace ActorAI.Grains.Training.Pipeline;

/// <summary>
/// Elements [<see cref="Offset"/>, +<see cref="Values"/>.Length) of a row-major float32 tensor of <see cref="Shape"/>:
/// activations going forward and their gradients going back, in parts of at most one message (16 MiB).
/// </summary>
[GenerateSerializer, Immutable, Alias("ActorAI.StageTensor")]
internal sealed record StageTensor([property: Id(0)] long[] Shape, [property: Id(1)] int Offset, [property: Id(2)] float[] Values)
{
    /// <summary>Elements of the whole tensor.</summary>
    public int Elements => checked((int)Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>The tensor as parts of at most <paramref name="maxLength"/> elements (one part shares the array).</summary>
    public static IReadOnlyList<StageTensor> Parts(long[] shape, float[] values, int maxLength)
    {
        if (values.Length <= maxLength)
        {
            return [new StageTensor(shape, 0, values)];
        }
        var parts = new List<StageTensor>();
        for (int at = 0; at < values.Length; at += maxLength)
        {
            parts.Add(new StageTensor(shape, at, values.AsSpan(at, Math.Min(maxLength, values.Length - at)).ToArray()));
        }
        return parts;
    }
}

/// <summary>What a stage is asked to do for one trainer step: pull its parameters at the step's version.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Spec">The job's spec.</param>
/// <param name="Step">The step: the parameter version to pull.</param>
/// <param name="Rank">The pipeline's trainer rank (its pushes count as that rank's).</param>
/// <param name="WorldSize">Trainers (pipelines) in the step.</param>
/// <param name="Stage">This stage's index.</param>
/// <param name="LossScale">The last stage's factor on each micro-batch's mean loss: 1 / (trainers × micro-batches).</param>
[GenerateSerializer, Immutable, Alias("ActorAI.StageStepRequest")]
internal sealed record StageStepRequest(
    [property: Id(0)] string JobId,
    [property: Id(1)] TrainingJobSpec Spec,
    [property: Id(2)] long Step,
    [property: Id(3)] int Rank,
    [property: Id(4)] int WorldSize,
    [property: Id(5)] int Stage,
    [property: Id(6)] double LossScale);

/// <summary>One micro-batch forward through a stage.</summary>
/// <param name="Step">The step.</param>
/// <param name="Micro">The micro-batch.</param>
/// <param name="Rows">Rows of the micro-batch.</param>
/// <param name="Tokens">First stage: input ids (Rows × T).</param>
/// <param name="Targets">Last stage: target ids (Rows × T).</param>
/// <param name="Input">Later stages: the previous stage's output (B, T, C), or its last part when sent in several.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.StageForward")]
internal sealed record StageForward(
    [property: Id(0)] long Step,
    [property: Id(1)] int Micro,
    [property: Id(2)] int Rows,
    [property: Id(3)] int[]? Tokens,
    [property: Id(4)] int[]? Targets,
    [property: Id(5)] StageTensor? Input);

/// <summary>One micro-batch backward through a stage.</summary>
/// <param name="Step">The step.</param>
/// <param name="Micro">The micro-batch.</param>
/// <param name="OutputGradient">Stages before the last: the gradient of this stage's output, or its last part.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.StageBackward")]
internal sealed record StageBackward([property: Id(0)] long Step, [property: Id(1)] int Micro, [property: Id(2)] StageTensor? OutputGradient);

/// <summary>What one forward or backward call produced.</summary>
/// <param name="Output">
/// Forward: the activations for the next stage; backward: the gradient of this stage's input. Null from the last
/// stage's forward and the first stage's backward; the first part when larger than a message (read the rest with
/// <see cref="ITrainerStageGrain.ReadAsync"/>).
/// </param>
/// <param name="Loss">The last stage's forward: the micro-batch's mean loss (unscaled).</param>
/// <param name="BusyMs">Time the stage computed.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.StageResult")]
internal sealed record StageResult([property: Id(0)] StageTensor? Output, [property: Id(1)] double Loss, [property: Id(2)] double BusyMs);

/// <summary>Time and bytes of a stage's exchange with the parameter shards.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.StageExchange")]
internal sealed record StageExchange([property: Id(0)] double Ms, [property: Id(1)] long Bytes);

/// <summary>
/// One pipeline stage of a trainer (key <c>job/rank/stage</c>): a contiguous run of the model's blocks. Per step it
/// pulls its parameters from the shards, runs each micro-batch forward (keeping what backward needs) and backward, then
/// pushes its accumulated gradient as the rank's. Every call is one micro-batch or one exchange, so each returns well
/// within the response timeout.
/// </summary>
[Alias("ActorAI.ITrainerStageGrain")]
internal interface ITrainerStageGrain : IGrainWithStringKey
{
    /// <summary>Drops any earlier attempt, builds the stage if needed and pulls its parameters at the step's version.</summary>
    [Alias("BeginStep")]
    Task<StageExchange> BeginStepAsync(StageStepRequest request);

    /// <summary>Receives a part of the next input of micro-batch <paramref name="micro"/> (activations or a gradient) ahead of its call.</summary>
    [Alias("Write")]
    Task WriteAsync(long step, int micro, StageTensor part);

    /// <summary>Runs one micro-batch forward and keeps its input and output until its backward.</summary>
    [Alias("Forward")]
    Task<StageResult> ForwardAsync(StageForward request);

    /// <summary>Runs one micro-batch backward, accumulating the parameters' gradients, and releases what it kept.</summary>
    [Alias("Backward")]
    Task<StageResult> BackwardAsync(StageBackward request);

    /// <summary>The part of micro-batch <paramref name="micro"/>'s last output that starts at <paramref name="offset"/>.</summary>
    [Alias("Read")]
    Task<StageTensor> ReadAsync(long step, int micro, int offset);

    /// <summary>Last stage of a split tied model: adds its head's token-embedding gradient to the first stage's.</summary>
    [Alias("SendTiedGradient")]
    Task<long> SendTiedGradientAsync(long step);

    /// <summary>First stage of a split tied model: receives a part of the head's token-embedding gradient.</summary>
    [Alias("AddTiedGradient")]
    Task AddTiedGradientAsync(long step, StageTensor part);

    /// <summary>Pushes this stage's gradient to the parameter shards as its rank's (a tied head's copy excepted).</summary>
    [Alias("Push")]
    Task<StageExchange> PushAsync(long step);

    /// <summary>The job ended: deactivates, giving the stage's memory back to its silo.</summary>
    [Alias("Release")]
    Task ReleaseAsync();
}
