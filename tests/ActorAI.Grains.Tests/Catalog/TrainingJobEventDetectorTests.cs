using ActorAI.Abstractions.Training;
using ActorAI.Grains.Catalog;

namespace ActorAI.Grains.Tests.Catalog;

public sealed class TrainingJobEventDetectorTests
{
    private static readonly TrainingJobInfo Running = new("j", new TrainingJobSpec("tiny", "corpus@1", 100, 4), TrainingJobStatus.Running, null, 10, 2,
        new TrainingCheckpoint(0, ["a", "b"]), null, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(1), 0);

    [Fact]
    public void NothingChangedMeansNoEvents() =>
        Assert.Empty(TrainingJobEventDetector.Between(Running, Running with { Step = 11 }));

    [Fact]
    public void PauseScaleCheckpointAndRecoveryAreEvents()
    {
        Assert.Equal(["paused: paused by a caller"],
            TrainingJobEventDetector.Between(Running, Running with { Status = TrainingJobStatus.Paused, Reason = "paused by a caller" }).Select(e => e.Message));
        Assert.Equal(["scaled from 2 to 4 trainers"], TrainingJobEventDetector.Between(Running, Running with { Workers = 4 }).Select(e => e.Message));
        Assert.Equal(["checkpoint at step 50 (2 shard snapshots)"],
            TrainingJobEventDetector.Between(Running, Running with { Step = 50, LastCheckpoint = new TrainingCheckpoint(50, ["c", "d"]) }).Select(e => e.Message));
        Assert.Equal(["recovered: shards restored to the checkpoint at step 0 after a failed step at 10"],
            TrainingJobEventDetector.Between(Running, Running with { Step = 0, Recoveries = 1 }).Select(e => e.Message));
    }

    [Fact]
    public void ASubmissionIsAnEventButAReactivationIsNot()
    {
        TrainingJobInfo submitted = Running with { Step = 0, LastCheckpoint = null };
        Assert.StartsWith("submitted", Assert.Single(TrainingJobEventDetector.Between(null, submitted)).Message, StringComparison.Ordinal);
        Assert.Empty(TrainingJobEventDetector.Between(null, Running));
    }
}
