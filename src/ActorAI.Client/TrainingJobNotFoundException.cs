namespace ActorAI.Client;

/// <summary>No training job with the given id was ever submitted to the cluster.</summary>
public sealed class TrainingJobNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="jobId"/>.</summary>
    public TrainingJobNotFoundException(string jobId) : base($"no training job '{jobId}'.") => JobId = jobId;

    /// <summary>Creates the exception with a message.</summary>
    public TrainingJobNotFoundException(string jobId, string message) : base(message) => JobId = jobId;

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TrainingJobNotFoundException(string jobId, string message, Exception inner) : base(message, inner) => JobId = jobId;

    /// <summary>Creates the exception with a generic message.</summary>
    public TrainingJobNotFoundException() : base("No such training job.") => JobId = "";

    /// <summary>The id that names no job.</summary>
    public string JobId { get; }
}
