using System.Collections.Immutable;
using ActorAI.Abstractions.Training;

namespace ActorAI.Grains.Training;

/// <summary>Persistent state of a training job.</summary>
[GenerateSerializer, Alias("ActorAI.TrainingJobState")]
public sealed record TrainingJobState
{
    [Id(0)] public TrainingJobSpec? Spec { get; init; }
    [Id(1)] public TrainingJobStatus Status { get; init; }
    [Id(2)] public string? Reason { get; init; }
    [Id(3)] public long Step { get; init; }
    [Id(4)] public int Workers { get; init; }
    [Id(5)] public TrainingCheckpoint? LastCheckpoint { get; init; }
    /// <summary>Only in states written before metrics moved to pages; moved to pages on activation, then empty.</summary>
    [Id(6)] public ImmutableList<TrainingMetrics> LegacyMetrics { get; init; } = [];
    [Id(7)] public string? ResultArtifact { get; init; }
    [Id(8)] public DateTimeOffset SubmittedAt { get; init; }
    [Id(9)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(10)] public int Recoveries { get; init; }
    [Id(11)] public int ConsecutiveFailures { get; init; }
    /// <summary>Where the metrics history lives: pages of <see cref="MetricsPages.PageSize"/> records, one grain each.</summary>
    [Id(12)] public MetricsIndex Metrics { get; init; } = MetricsIndex.Empty;
    [Id(13)] public TrainingMetrics? LastMetrics { get; init; }
    /// <summary>The newest checkpoints (at most the spec's CheckpointsToKeep, the last one included), oldest first.</summary>
    [Id(14)] public ImmutableList<TrainingCheckpoint> RetainedCheckpoints { get; init; } = [];

    /// <summary>This state with <paramref name="checkpoint"/> as the last checkpoint, retained with the newest others.</summary>
    public TrainingJobState WithCheckpoint(TrainingCheckpoint checkpoint)
    {
        int keep = Math.Max(1, Spec?.CheckpointsToKeep ?? 1);
        ImmutableList<TrainingCheckpoint> retained = RetainedCheckpoints.RemoveAll(c => c.Step == checkpoint.Step).Add(checkpoint);
        return this with
        {
            LastCheckpoint = checkpoint,
            RetainedCheckpoints = retained.Count > keep ? retained.RemoveRange(0, retained.Count - keep) : retained,
        };
    }

    /// <summary>The artifacts the job still needs: its retained checkpoints' shard snapshots and its final weights.</summary>
    public IReadOnlyList<string> ArtifactReferences() =>
        [.. RetainedCheckpoints.Append(LastCheckpoint).OfType<TrainingCheckpoint>().SelectMany(c => c.ShardArtifacts)
            .Concat(ResultArtifact is null ? [] : [ResultArtifact]).Distinct(StringComparer.Ordinal)];
}
