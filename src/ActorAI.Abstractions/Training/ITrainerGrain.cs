namespace ActorAI.Abstractions.Training;

/// <summary>What a trainer is asked to do for one step.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Spec">The job's spec (model, data, threads).</param>
/// <param name="Step">The step (zero-based): selects the data and the parameter version to pull.</param>
/// <param name="Rank">This trainer's slice of the global batch.</param>
/// <param name="WorldSize">Trainers taking part in this step.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainerStepRequest")]
public sealed record TrainerStepRequest(
    [property: Id(0)] string JobId,
    [property: Id(1)] TrainingJobSpec Spec,
    [property: Id(2)] long Step,
    [property: Id(3)] int Rank,
    [property: Id(4)] int WorldSize);

/// <summary>What a trainer did in one step.</summary>
/// <param name="Loss">Its slice's mean loss.</param>
/// <param name="PullMs">Time to pull the parameters.</param>
/// <param name="ComputeMs">Forward and backward.</param>
/// <param name="PushMs">Time to push the gradients.</param>
/// <param name="Bytes">Bytes pulled and pushed.</param>
/// <param name="RefusedPushes">Asynchronous mode: shards that refused this gradient as too stale.</param>
/// <param name="StageBusyMs">
/// Pipelined trainers: each stage's time computing forward and backward within <paramref name="ComputeMs"/>; the
/// pipeline's bubble fraction is 1 − sum / (stages × ComputeMs). Null when not pipelined.
/// </param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainerStepResult")]
public sealed record TrainerStepResult(
    [property: Id(0)] double Loss,
    [property: Id(1)] double PullMs,
    [property: Id(2)] double ComputeMs,
    [property: Id(3)] double PushMs,
    [property: Id(4)] long Bytes,
    [property: Id(5)] int RefusedPushes = 0,
    [property: Id(6)] double[]? StageBusyMs = null);

/// <summary>
/// A model replica (key: <c>job/rank</c>): pulls parameters, computes gradients on its slice, pushes them. A step runs
/// in the background: <see cref="BeginStepAsync"/> returns at once and <see cref="WaitStepAsync"/> answers within a
/// short window, so no call lasts as long as the step — a step may take longer than the response timeout.
/// </summary>
[Alias("ActorAI.ITrainerGrain")]
public interface ITrainerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts one step's pull → forward/backward → push and returns at once. The same step again while it runs is a
    /// no-op; a new step (or a retried one whose attempt ended) starts once the previous attempt has stopped.
    /// </summary>
    [Alias("BeginStep")]
    Task BeginStepAsync(TrainerStepRequest request);

    /// <summary>
    /// The result of <paramref name="step"/> once it is done, or null when it is still computing after a wait of a
    /// fraction of the response timeout (call again). Throws the step's failure, or when this trainer is not running
    /// that step (it was reactivated, e.g. after its silo was lost).
    /// </summary>
    [Alias("WaitStep"), Orleans.Concurrency.AlwaysInterleave]
    Task<TrainerStepResult?> WaitStepAsync(long step);

    /// <summary>
    /// The mean loss (nats per token) on the dataset's held-out split of the parameters the shards hold at
    /// <see cref="TrainerStepRequest.Step"/>, once computed; null while it still computes after a wait of a fraction of the
    /// response timeout (call again with the same request).
    /// </summary>
    [Alias("Evaluate")]
    Task<double?> EvaluateAsync(TrainerStepRequest request);

    /// <summary>
    /// The job ended: lets go of the model (and, pipelined, of its stage grains) so their memory goes back to the silos
    /// at once rather than when idle activations are collected.
    /// </summary>
    [Alias("Release")]
    Task ReleaseAsync();
}
