using System.Runtime.CompilerServices;
using ActorAI.Abstractions.Training;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace ActorAI.Client;

/// <summary>
/// Follows one training job by polling its grain: each round reads the metrics after the last step seen, then the job's
/// state, and yields when anything changed. Ends after yielding a terminal state. Calls that fail because a silo or the
/// connection went away (the job itself survives: it reactivates elsewhere) are retried until they have failed for
/// <see cref="FailureWindow"/>.
/// </summary>
internal sealed class TrainingJobWatcher(ITrainingJobGrain job, string jobId, TimeSpan pollInterval, TimeProvider timeProvider)
{
    /// <summary>Metrics asked for per call; a full page is followed by another call at once.</summary>
    public const int MetricsPage = 500;

    /// <summary>How long calls may keep failing before the watch gives up and rethrows.</summary>
    public static readonly TimeSpan FailureWindow = TimeSpan.FromSeconds(60);

    public async IAsyncEnumerable<TrainingJobProgress> WatchAsync(long afterStep, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long after = afterStep;
        TrainingJobInfo? previous = null;
        long? failingSince = null;
        while (true)
        {
            List<TrainingMetrics> fresh;
            TrainingJobInfo info;
            try
            {
                fresh = await ReadMetricsAsync(after, cancellationToken).ConfigureAwait(false);
                info = await job.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                if (info.Status.IsTerminal())
                {
                    // Steps that finished between the two reads; a terminal job records no more.
                    fresh.AddRange(await ReadMetricsAsync(fresh.Count > 0 ? fresh[^1].Step : after, cancellationToken).ConfigureAwait(false));
                }
                failingSince = null;
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                failingSince ??= timeProvider.GetTimestamp();
                if (timeProvider.GetElapsedTime(failingSince.Value) >= FailureWindow)
                {
                    throw;
                }
                await Task.Delay(pollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (previous is null && !info.Exists())
            {
                throw new TrainingJobNotFoundException(jobId);
            }
            if (fresh.Count > 0)
            {
                after = fresh[^1].Step;
            }
            if (previous is null || fresh.Count > 0 || Changed(previous, info))
            {
                yield return new TrainingJobProgress(info, fresh);
                previous = info;
            }
            if (info.Status.IsTerminal())
            {
                yield break;
            }
            await Task.Delay(pollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every metric after <paramref name="after"/>, page by page, keeping only steps that move forward.</summary>
    private async Task<List<TrainingMetrics>> ReadMetricsAsync(long after, CancellationToken cancellationToken)
    {
        var metrics = new List<TrainingMetrics>();
        while (true)
        {
            IReadOnlyList<TrainingMetrics> page = await job.GetMetricsAsync(after, MetricsPage).WaitAsync(cancellationToken).ConfigureAwait(false);
            long before = after;
            foreach (TrainingMetrics m in page)
            {
                if (m.Step > after)
                {
                    metrics.Add(m);
                    after = m.Step;
                }
            }
            if (page.Count < MetricsPage || after == before)
            {
                return metrics;
            }
        }
    }

    // UpdatedAt moves with every change the job records; the rest guards against a grain that does not move it.
    private static bool Changed(TrainingJobInfo a, TrainingJobInfo b) =>
        a.Status != b.Status || a.Step != b.Step || a.Workers != b.Workers || a.Recoveries != b.Recoveries
        || a.UpdatedAt != b.UpdatedAt || a.Reason != b.Reason || a.ResultArtifact != b.ResultArtifact
        || a.LastCheckpoint?.Step != b.LastCheckpoint?.Step;

    /// <summary>Failures of the path to the job, not of the job: a lost silo or gateway, a call that timed out.</summary>
    internal static bool IsTransient(Exception ex) => ex is TimeoutException or OrleansMessageRejectionException or ConnectionFailedException;
}
