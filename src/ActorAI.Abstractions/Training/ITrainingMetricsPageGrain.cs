namespace ActorAI.Abstractions.Training;

/// <summary>
/// One page of a training job's metrics history (key: <c>job/page</c>), persisted on its own so that a step writes one
/// small page rather than the whole history. The job owns the pages: it knows how many records are valid.
/// </summary>
[Alias("ActorAI.ITrainingMetricsPageGrain")]
public interface ITrainingMetricsPageGrain : IGrainWithStringKey
{
    /// <summary>
    /// Writes <paramref name="records"/> from position <paramref name="slot"/> on and drops any record after them
    /// (idempotent: a step written again after a lost acknowledgement replaces itself).
    /// </summary>
    [Alias("Put")]
    Task PutAsync(int slot, IReadOnlyList<TrainingMetrics> records);

    /// <summary>The page's records, in the order they were written.</summary>
    [Alias("Read"), Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<TrainingMetrics>> ReadAsync();

    /// <summary>Forgets the page (the job no longer keeps it).</summary>
    [Alias("Clear")]
    Task ClearAsync();
}
