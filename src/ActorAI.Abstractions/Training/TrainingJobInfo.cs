namespace ActorAI.Abstractions.Training;

/// <summary>Lifecycle of a training job.</summary>
public enum TrainingJobStatus
{
    /// <summary>Submitted, not started.</summary>
    Pending,
    /// <summary>Steps are being run.</summary>
    Running,
    /// <summary>Stopped between steps by a caller or by a refused step; can be resumed.</summary>
    Paused,
    /// <summary>All steps done; the result names the final weights.</summary>
    Succeeded,
    /// <summary>Ended with an error (see the reason).</summary>
    Failed,
    /// <summary>Cancelled by a caller.</summary>
    Cancelled,
}

/// <summary>One step's figures.</summary>
/// <param name="Step">Steps completed after this one.</param>
/// <param name="Loss">Mean training loss of the step's global batch.</param>
/// <param name="LearningRate">Rate applied.</param>
/// <param name="GradientNorm">Global gradient norm before clipping.</param>
/// <param name="TokensPerSecond">Tokens of the global batch over the step's wall time.</param>
/// <param name="Workers">Trainers that took part.</param>
/// <param name="PullMs">Slowest trainer's parameter pull.</param>
/// <param name="ComputeMs">Slowest trainer's forward/backward.</param>
/// <param name="PushMs">Slowest trainer's gradient push.</param>
/// <param name="ApplyMs">Norm exchange and optimizer update on the shards.</param>
/// <param name="ExchangeBytes">Parameter and gradient bytes moved in the step.</param>
/// <param name="RefusedPushes">Asynchronous mode: gradients refused as staler than the bound.</param>
/// <param name="BubbleFraction">
/// Pipelined jobs: the share of the compute phase the stages sat idle (1 − Σ stage busy ÷ (stages × compute time)),
/// averaged over the trainers; GPipe's ideal is (S − 1) / (M + S − 1). Null when the model is not split.
/// </param>
/// <param name="ValidationLoss">Mean loss (nats per token) on the held-out split of the weights after this step; null when the step was not evaluated.</param>
/// <param name="ValidationBitsPerByte">The same in bits per UTF-8 byte of held-out text; null when not evaluated or the dataset does not count its bytes.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainingMetrics")]
public sealed record TrainingMetrics(
    [property: Id(0)] long Step,
    [property: Id(1)] double Loss,
    [property: Id(2)] double LearningRate,
    [property: Id(3)] double GradientNorm,
    [property: Id(4)] double TokensPerSecond,
    [property: Id(5)] int Workers,
    [property: Id(6)] double PullMs,
    [property: Id(7)] double ComputeMs,
    [property: Id(8)] double PushMs,
    [property: Id(9)] double ApplyMs,
    [property: Id(10)] long ExchangeBytes,
    [property: Id(11)] int RefusedPushes = 0,
    [property: Id(12)] double? BubbleFraction = null,
    [property: Id(13)] double? ValidationLoss = null,
    [property: Id(14)] double? ValidationBitsPerByte = null);

/// <summary>A consistent snapshot of every shard after a step; recorded only once all shard writes are durable.</summary>
/// <param name="Step">Steps completed when it was taken.</param>
/// <param name="ShardArtifacts">SHA-256 of each shard's snapshot in the artifact store, by shard index.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainingCheckpoint")]
public sealed record TrainingCheckpoint([property: Id(0)] long Step, [property: Id(1)] IReadOnlyList<string> ShardArtifacts);

/// <summary>
/// What a caller sees of a job. A job that was never submitted reports a null <see cref="Spec"/> and a default
/// <see cref="SubmittedAt"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainingJobInfo")]
public sealed record TrainingJobInfo(
    [property: Id(0)] string JobId,
    [property: Id(1)] TrainingJobSpec Spec,
    [property: Id(2)] TrainingJobStatus Status,
    [property: Id(3)] string? Reason,
    [property: Id(4)] long Step,
    [property: Id(5)] int Workers,
    [property: Id(6)] TrainingCheckpoint? LastCheckpoint,
    [property: Id(7)] TrainingMetrics? LastMetrics,
    [property: Id(8)] string? ResultArtifact,
    [property: Id(9)] DateTimeOffset SubmittedAt,
    [property: Id(10)] DateTimeOffset UpdatedAt,
    [property: Id(11)] int Recoveries);
