using ActorAI.Abstractions.Training;
using ActorAI.Cli.Rendering;
using ActorAI.Client;

namespace ActorAI.Cli.Training;

/// <summary>
/// Follows a training job to its end for <c>actorai train</c> and <c>actorai jobs watch</c>: shows the progress, then
/// how the job ended. Exit code 0 when it succeeded, 1 when it failed or was cancelled, 130 when the user stopped
/// following (Ctrl+C) — the job itself keeps running.
/// </summary>
internal static class JobFollower
{
    public static async Task<int> FollowAsync(
        string jobId, IAsyncEnumerable<TrainingJobProgress> progress, TrainingJobDisplay display, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        TrainingJobInfo? last;
        try
        {
            last = await display.ShowAsync(progress, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync(
                $"actorai: stopped following {jobId}; the job keeps running on the cluster. "
                + $"Follow it again with `actorai jobs watch {jobId}`, stop it with `actorai jobs cancel {jobId}`.");
            return ExitCodes.Cancelled;
        }
        if (last is null || !last.Status.IsTerminal())
        {
            // The watch ends only after a terminal state; anything else is a broken source.
            await stderr.WriteLineAsync($"actorai: lost track of {jobId} before it ended; follow it again with `actorai jobs watch {jobId}`.");
            return ExitCodes.Failure;
        }
        await (last.Status == TrainingJobStatus.Succeeded ? stdout : stderr).WriteLineAsync(TrainingJobRendering.Outcome(last));
        return ExitCodeFor(last.Status);
    }

    /// <summary>0 for a job that succeeded, 1 for one that failed or was cancelled.</summary>
    public static int ExitCodeFor(TrainingJobStatus status) => status == TrainingJobStatus.Succeeded ? ExitCodes.Ok : ExitCodes.Failure;
}
