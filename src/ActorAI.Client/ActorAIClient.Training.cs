using ActorAI.Abstractions;
using ActorAI.Abstractions.Training;

namespace ActorAI.Client;

/// <summary>Training jobs: submit, inspect, control and follow.</summary>
public sealed partial class ActorAIClient
{
    /// <summary>How often <see cref="WatchTrainingJobAsync"/> polls by default: 500 ms.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(500);

    // Job grains read at once by ListTrainingJobsAsync: enough to hide the round trips, few enough not to activate
    // hundreds of grains (and load their state) in one burst.
    private const int ListParallelism = 16;

    /// <summary>
    /// Submits a training job under <paramref name="jobId"/>; the job grain also records the id for
    /// <see cref="ListTrainingJobsAsync"/>. The spec is validated here first, so a bad spec costs no call. Submitting
    /// the same spec again is a no-op that returns the job's state.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is malformed (see <see cref="TrainingJobIds"/>).</exception>
    /// <exception cref="TrainingJobException">
    /// The spec is invalid (<see cref="TrainingJobException.Errors"/> lists every problem), or the job exists with another spec.
    /// </exception>
    public Task<TrainingJobInfo> SubmitTrainingJobAsync(string jobId, TrainingJobSpec spec)
    {
        TrainingJobIds.ThrowIfInvalid(jobId);
        ArgumentNullException.ThrowIfNull(spec);
        IReadOnlyList<string> errors = spec.Validate();
        if (errors.Count > 0)
        {
            throw new TrainingJobException(errors);
        }
        return Job(jobId).SubmitAsync(spec);
    }

    /// <summary>The job's current state, or <see langword="null"/> when no job <paramref name="jobId"/> was submitted.</summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is malformed.</exception>
    public async Task<TrainingJobInfo?> GetTrainingJobAsync(string jobId)
    {
        TrainingJobIds.ThrowIfInvalid(jobId);
        TrainingJobInfo info = await Job(jobId).GetAsync().ConfigureAwait(false);
        return info.Exists() ? info : null;
    }

    /// <summary>Metrics of the steps after <paramref name="afterStep"/>, oldest first, at most <paramref name="max"/> (the job may keep only recent ones).</summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is malformed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterStep"/> is negative or <paramref name="max"/> is not positive.</exception>
    public Task<IReadOnlyList<TrainingMetrics>> GetTrainingMetricsAsync(string jobId, long afterStep = 0, int max = 1000)
    {
        TrainingJobIds.ThrowIfInvalid(jobId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterStep);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return Job(jobId).GetMetricsAsync(afterStep, max);
    }

    /// <summary>Every submitted training job, oldest first; the jobs are read in parallel.</summary>
    public async Task<IReadOnlyList<TrainingJobInfo>> ListTrainingJobsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> ids = await Index(INameIndexGrain.TrainingJobs).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var infos = new TrainingJobInfo[ids.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ListParallelism, CancellationToken = cancellationToken },
            async (i, ct) => infos[i] = await Job(ids[i]).GetAsync().WaitAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
        // The registry records an id only once its job exists, so this drops nothing in a consistent cluster.
        return [.. infos.Where(info => info.Exists())];
    }

    /// <summary>Stops the job for good at the next step boundary; returns its state after the request.</summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is malformed.</exception>
    /// <exception cref="TrainingJobNotFoundException">No such job.</exception>
    public async Task<TrainingJobInfo> CancelTrainingJobAsync(string jobId)
    {
        (ITrainingJobGrain job, _) = await ExistingJobAsync(jobId).ConfigureAwait(false);
        return await job.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the job between steps; <see cref="ResumeTrainingJobAsync"/> continues it.</summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is malformed.</exception>
    /// <exception cref="TrainingJobNotFoundException">No such job.</exception>
    public async Task<TrainingJobInfo> PauseTrainingJobAsync(string jobId)
    {
        (ITrainingJobGrain job, _) = await ExistingJobAsync(jobId).ConfigureAwait(false);
        return await job.PauseAsync().ConfigureAwait(false);
    }

    /// <summary>Continues a paused job.</summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is malformed.</exception>
    /// <exception cref="TrainingJobNotFoundException">No such job.</exception>
    public async Task<TrainingJobInfo> ResumeTrainingJobAsync(string jobId)
    {
        (ITrainingJobGrain job, _) = await ExistingJobAsync(jobId).ConfigureAwait(false);
        return await job.ResumeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Changes the number of trainers from the next step on; the global batch stays the same, so
    /// <paramref name="workers"/> must divide it (checked here before the call, and again by the job).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is malformed.</exception>
    /// <exception cref="TrainingJobNotFoundException">No such job.</exception>
    /// <exception cref="TrainingJobException">The count is out of range or does not divide the global batch.</exception>
    public async Task<TrainingJobInfo> ScaleTrainingJobAsync(string jobId, int workers)
    {
        TrainingJobIds.ThrowIfInvalid(jobId);
        if (workers is < 1 or > TrainingJobSpec.MaxWorkers)
        {
            throw new TrainingJobException($"Workers must be between 1 and {TrainingJobSpec.MaxWorkers} (was {workers}).");
        }
        (ITrainingJobGrain job, TrainingJobInfo info) = await ExistingJobAsync(jobId).ConfigureAwait(false);
        if (info.Spec.GlobalBatchRows % workers != 0)
        {
            throw new TrainingJobException($"GlobalBatchRows ({info.Spec.GlobalBatchRows}) must be divisible by Workers ({workers}).");
        }
        return await job.ScaleAsync(workers).ConfigureAwait(false);
    }

    /// <summary>
    /// Follows a job: polls its metrics and state every <paramref name="pollInterval"/> (default
    /// <see cref="DefaultPollInterval"/>) and yields the latest state with the metrics of the steps after
    /// <paramref name="afterStep"/> not yielded before, whenever anything changed (always on the first poll). After the
    /// job reaches a terminal status (succeeded, failed, cancelled) it yields that state once and ends. Calls that fail
    /// because a silo or gateway went away are retried for a minute. Cancelling <paramref name="cancellationToken"/>
    /// stops following; the job keeps running.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is malformed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterStep"/> or <paramref name="pollInterval"/> is negative.</exception>
    /// <exception cref="TrainingJobNotFoundException">(While enumerating) no such job.</exception>
    public IAsyncEnumerable<TrainingJobProgress> WatchTrainingJobAsync(
        string jobId, long afterStep = 0, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        TrainingJobIds.ThrowIfInvalid(jobId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterStep);
        TimeSpan interval = pollInterval ?? DefaultPollInterval;
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero, nameof(pollInterval));
        return new TrainingJobWatcher(Job(jobId), jobId, interval, TimeProvider.System).WatchAsync(afterStep, cancellationToken);
    }

    private ITrainingJobGrain Job(string jobId) => Cluster.GetGrain<ITrainingJobGrain>(jobId);

    private async Task<(ITrainingJobGrain Job, TrainingJobInfo Info)> ExistingJobAsync(string jobId)
    {
        TrainingJobIds.ThrowIfInvalid(jobId);
        ITrainingJobGrain job = Job(jobId);
        TrainingJobInfo info = await job.GetAsync().ConfigureAwait(false);
        return info.Exists() ? (job, info) : throw new TrainingJobNotFoundException(jobId);
    }
}
