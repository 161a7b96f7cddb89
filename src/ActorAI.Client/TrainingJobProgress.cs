using ActorAI.Abstractions.Training;

namespace ActorAI.Client;

/// <summary>What <see cref="ActorAIClient.WatchTrainingJobAsync"/> yields each time a job changes.</summary>
/// <param name="Job">The job's latest state; its step is at least that of the last new metric.</param>
/// <param name="NewMetrics">Metrics of the steps completed since the previous yield, oldest first (may be empty).</param>
public sealed record TrainingJobProgress(TrainingJobInfo Job, IReadOnlyList<TrainingMetrics> NewMetrics)
{
    /// <summary>The most recent step's figures: the job's last recorded ones or the last new metric, whichever is later.</summary>
    public TrainingMetrics? LatestMetrics =>
        NewMetrics.Count == 0 || (Job.LastMetrics is { } last && last.Step >= NewMetrics[^1].Step) ? Job.LastMetrics : NewMetrics[^1];

    /// <summary>Whether the job has ended; the watch yields nothing after this.</summary>
    public bool IsFinal => Job.Status.IsTerminal();
}

/// <summary>Helpers over the training contracts.</summary>
public static class TrainingJobExtensions
{
    /// <summary>Whether the job can no longer change: succeeded, failed or cancelled.</summary>
    public static bool IsTerminal(this TrainingJobStatus status) =>
        status is TrainingJobStatus.Succeeded or TrainingJobStatus.Failed or TrainingJobStatus.Cancelled;

    /// <summary>
    /// Whether the job was ever submitted. A job grain that was never submitted answers <c>GetAsync</c> with a default
    /// state; a submitted job always carries its spec and its submission time, so a state lacking either names no job.
    /// (Status and step cannot tell: Pending at step 0 is also the state of a job submitted a moment ago.)
    /// </summary>
    public static bool Exists(this TrainingJobInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.Spec is not null && info.SubmittedAt != default;
    }
}
