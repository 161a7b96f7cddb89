using System.Globalization;
using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Training;

namespace ActorAI.Grains.Catalog;

/// <summary>The events between two consecutive states of a job (pure: compares what the job saved before and now).</summary>
internal static class TrainingJobEventDetector
{
    public static IReadOnlyList<TrainingJobEvent> Between(TrainingJobInfo? previous, TrainingJobInfo current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var events = new List<TrainingJobEvent>();
        void Add(string message) => events.Add(new TrainingJobEvent(current.UpdatedAt, current.Step, message));
        if (previous?.Spec is null)
        {
            if (current.Step == 0 && current.LastCheckpoint is null && current.Status == TrainingJobStatus.Running)
            {
                Add(string.Create(CultureInfo.InvariantCulture,
                    $"submitted: {current.Spec.Steps} steps of {current.Spec.Model} on {current.Spec.Dataset}, {current.Workers} trainers, {current.Spec.ParameterShards} shards"));
            }
            return events;
        }
        if (current.Recoveries > previous.Recoveries)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"recovered: shards restored to the checkpoint at step {current.Step} after a failed step at {previous.Step}"));
        }
        if (current.LastCheckpoint is { } checkpoint && checkpoint.Step > 0 && checkpoint.Step != previous.LastCheckpoint?.Step)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"checkpoint at step {checkpoint.Step} ({checkpoint.ShardArtifacts.Count} shard snapshots)"));
        }
        if (current.Workers != previous.Workers)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"scaled from {previous.Workers} to {current.Workers} trainers"));
        }
        if (current.Status != previous.Status)
        {
            Add(current.Reason is { Length: > 0 } reason ? $"{current.Status.ToString().ToLowerInvariant()}: {reason}" : current.Status.ToString().ToLowerInvariant());
        }
        return events;
    }
}
