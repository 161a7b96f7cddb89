using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Training;
using Microsoft.Extensions.Logging;

namespace ActorAI.Grains.Catalog;

/// <summary>
/// Keeps a job's catalog summary current — published when the status, workers or reason change, and otherwise at most
/// every <see cref="RunningInterval"/>, so a running job costs the catalog one write every few seconds, not one per step —
/// and appends the job's events (status changes, checkpoints, recoveries, scaling) to its event log.
/// </summary>
internal sealed partial class TrainingJobCatalogPublisher(IGrainFactory grains, TimeProvider clock, ILogger logger)
{
    /// <summary>Longest a running job's step and loss trail the catalog.</summary>
    public static readonly TimeSpan RunningInterval = TimeSpan.FromSeconds(5);

    private TrainingJobSummary? _published;
    private DateTimeOffset _publishedAt;
    private TrainingJobInfo? _previous;

    /// <summary>Remembers the state the job activated with, so that the first save after a reactivation yields its events.</summary>
    public void Observe(TrainingJobInfo info) => _previous = info;

    public async Task PublishAsync(TrainingJobInfo info)
    {
        IReadOnlyList<TrainingJobEvent> events = TrainingJobEventDetector.Between(_previous, info);
        _previous = info;
        if (events.Count > 0)
        {
            try
            {
                await grains.GetGrain<ITrainingJobEventsGrain>(info.JobId).AppendAsync(events);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogEventsFailed(ex, info.JobId); // the log is a record of the job, never a reason to fail its step
            }
        }
        var summary = TrainingJobSummary.From(info);
        DateTimeOffset now = clock.GetUtcNow();
        bool due = _published is null
            || _published.Status != summary.Status
            || _published.Workers != summary.Workers
            || _published.Reason != summary.Reason
            || now - _publishedAt >= RunningInterval;
        if (!due || _published == summary)
        {
            return;
        }
        try
        {
            await grains.GetGrain<ITrainingJobCatalogGrain>(TrainingJobCatalog.PartitionOf(summary.JobId)).UpsertAsync(summary);
            _published = summary;
            _publishedAt = now;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The job state is the truth and the catalog only an index of it: a failed publish must not fail a step.
            // It is retried with the job's next save.
            LogPublishFailed(ex, summary.JobId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {JobId}: events could not be written to its event log")]
    private partial void LogEventsFailed(Exception error, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {JobId}: the catalog summary could not be written; retried at the next change")]
    private partial void LogPublishFailed(Exception error, string jobId);
}
