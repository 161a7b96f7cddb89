namespace ActorAI.Abstractions.Training;

/// <summary>
/// A training job (key: job id), persisted: it activates the trainers and parameter shards, drives the steps,
/// checkpoints, and recovers from lost silos by restoring the last checkpoint.
/// </summary>
[Alias("ActorAI.ITrainingJobGrain")]
public interface ITrainingJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the job. Submitting the same spec again is a no-op; a different spec for an existing job is refused.</summary>
    /// <exception cref="TrainingJobException">The spec is invalid (every problem is listed) or the job exists with another spec.</exception>
    [Alias("Submit")]
    Task<TrainingJobInfo> SubmitAsync(TrainingJobSpec spec);

    /// <summary>The job's current state; answers while a step is running.</summary>
    [Alias("Get"), Orleans.Concurrency.AlwaysInterleave]
    Task<TrainingJobInfo> GetAsync();

    /// <summary>
    /// The artifacts the job still needs (garbage collection keeps them): the shard snapshots of its newest
    /// <see cref="TrainingJobSpec.CheckpointsToKeep"/> checkpoints and its final weights.
    /// </summary>
    [Alias("GetArtifactReferences"), Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<string>> GetArtifactReferencesAsync();

    /// <summary>
    /// Metrics recorded after step <paramref name="afterStep"/>, in the order the steps ran (at most <paramref name="max"/>;
    /// the job keeps the last 10,000). Steps re-run after a recovery appear again with their new figures.
    /// </summary>
    [Alias("GetMetrics"), Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<TrainingMetrics>> GetMetricsAsync(long afterStep, int max);

    /// <summary>Stops the job for good at the next step boundary.</summary>
    [Alias("Cancel")]
    Task<TrainingJobInfo> CancelAsync();

    /// <summary>Stops between steps; <see cref="ResumeAsync"/> continues.</summary>
    [Alias("Pause")]
    Task<TrainingJobInfo> PauseAsync();

    /// <summary>Continues a paused job.</summary>
    [Alias("Resume")]
    Task<TrainingJobInfo> ResumeAsync();

    /// <summary>Changes the number of trainers from the next step on; the global batch stays the same.</summary>
    /// <exception cref="TrainingJobException">The count is out of range or does not divide the global batch.</exception>
    [Alias("Scale")]
    Task<TrainingJobInfo> ScaleAsync(int workers);
}

/// <summary>A training job request was refused; <see cref="Errors"/> names each field and its limit.</summary>
[GenerateSerializer, Alias("ActorAI.TrainingJobException")]
public sealed class TrainingJobException : Exception
{
    /// <summary>Creates the exception from its problems.</summary>
    public TrainingJobException(IReadOnlyList<string> errors) : base(string.Join(" ", errors)) => Errors = errors;

    /// <summary>Creates the exception with one problem.</summary>
    public TrainingJobException(string message) : this([message]) { }

    /// <summary>Creates the exception with no detail.</summary>
    public TrainingJobException() : this("The training job request was refused.") { }

    /// <summary>Creates the exception with a cause.</summary>
    public TrainingJobException(string message, Exception inner) : base(message, inner) => Errors = [message];

    /// <summary>The problems, one per field.</summary>
    [Id(0)]
    public IReadOnlyList<string> Errors { get; private set; }
}
