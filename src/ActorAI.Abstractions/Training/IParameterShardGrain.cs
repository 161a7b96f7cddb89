namespace ActorAI.Abstractions.Training;

/// <summary>The slice of the flattened parameters a shard owns.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Shard">Shard index.</param>
/// <param name="Offset">First parameter index of the slice.</param>
/// <param name="Length">Parameters in the slice.</param>
/// <param name="Spec">Optimizer settings and mode.</param>
/// <param name="Checkpoint">Artifact to load the slice (and optimizer state) from.</param>
/// <param name="Step">The step that artifact was taken after.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ShardAssignment")]
public sealed record ShardAssignment(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Shard,
    [property: Id(2)] long Offset,
    [property: Id(3)] int Length,
    [property: Id(4)] TrainingJobSpec Spec,
    [property: Id(5)] string Checkpoint,
    [property: Id(6)] long Step);

/// <summary>A chunk of parameters (at most 16 MiB).</summary>
/// <param name="Version">Updates applied to the shard when it was read.</param>
/// <param name="Offset">Offset within the shard's slice.</param>
/// <param name="Values">The values.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ParameterChunk")]
public sealed record ParameterChunk([property: Id(0)] long Version, [property: Id(1)] int Offset, [property: Id(2)] float[] Values);

/// <summary>A chunk of one trainer's gradient for one step (at most 16 MiB).</summary>
/// <param name="Step">The step.</param>
/// <param name="Rank">The trainer.</param>
/// <param name="WorldSize">Trainers in the step.</param>
/// <param name="BaseVersion">The parameter version the gradient was computed on.</param>
/// <param name="Offset">Offset within the shard's slice.</param>
/// <param name="Values">The values.</param>
/// <param name="LearningRate">Asynchronous mode: the rate for this gradient's update (from its base version).</param>
[GenerateSerializer, Immutable, Alias("ActorAI.GradientChunk")]
public sealed record GradientChunk(
    [property: Id(0)] long Step,
    [property: Id(1)] int Rank,
    [property: Id(2)] int WorldSize,
    [property: Id(3)] long BaseVersion,
    [property: Id(4)] int Offset,
    [property: Id(5)] float[] Values,
    [property: Id(6)] double LearningRate = 0);

/// <summary>
/// A contiguous slice of a job's flattened parameters and its AdamW state (key: <c>job/shard</c>). Synchronous mode:
/// collects the pushes of a step, reports their squared norm, applies the averaged update when told. Snapshots go
/// to the artifact store; the grain state records the current one.
/// </summary>
[Alias("ActorAI.IParameterShardGrain")]
public interface IParameterShardGrain : IGrainWithStringKey
{
    /// <summary>Loads the slice from a checkpoint artifact (initialisation and recovery alike).</summary>
    [Alias("Load")]
    Task LoadAsync(ShardAssignment assignment);

    /// <summary>
    /// Reads parameters. Synchronous mode: fails when the shard is not at <paramref name="version"/> (a stale or
    /// reloaded shard). Asynchronous mode: pass -1 for the current version, which the chunk reports.
    /// </summary>
    [Alias("Pull")]
    Task<ParameterChunk> PullAsync(long version, int offset, int length);

    /// <summary>
    /// Receives part of one trainer's gradient. Asynchronous mode: once a trainer's whole gradient has arrived it is
    /// applied at once, or refused with <see cref="StaleGradientException"/> when the shard has moved more than the
    /// staleness bound past the gradient's base version.
    /// </summary>
    [Alias("Push")]
    Task PushAsync(GradientChunk chunk);

    /// <summary>Sum of squares of the averaged gradient of <paramref name="step"/>; every push must have arrived.</summary>
    [Alias("NormSquared")]
    Task<double> GradientNormSquaredAsync(long step, int worldSize);

    /// <summary>Applies the averaged gradient of <paramref name="step"/> scaled by <paramref name="clipScale"/>; returns the new version.</summary>
    [Alias("Apply")]
    Task<long> ApplyAsync(long step, double learningRate, double clipScale);

    /// <summary>Drops the gradients of a refused step.</summary>
    [Alias("Discard")]
    Task DiscardAsync(long step);

    /// <summary>Writes parameters and optimizer state to the artifact store and records it; returns its SHA-256.</summary>
    [Alias("Snapshot")]
    Task<string> SnapshotAsync(long step);

    /// <summary>The job ended: deactivates, giving its memory back to the silo (its snapshot stays in the artifact store).</summary>
    [Alias("Release")]
    Task ReleaseAsync();
}

/// <summary>An asynchronous gradient was computed on parameters older than the staleness bound allows; it was dropped.</summary>
[GenerateSerializer, Alias("ActorAI.StaleGradientException")]
public sealed class StaleGradientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StaleGradientException(string message) : base(message) { }

    /// <summary>Creates the exception with no detail.</summary>
    public StaleGradientException() : base("The gradient is staler than the bound allows.") { }

    /// <summary>Creates the exception with a cause.</summary>
    public StaleGradientException(string message, Exception inner) : base(message, inner) { }
}
