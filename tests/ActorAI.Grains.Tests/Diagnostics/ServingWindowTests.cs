using ActorAI.Abstractions.Serving;
using ActorAI.Grains.Diagnostics;

namespace ActorAI.Grains.Tests.Diagnostics;

public sealed class ServingWindowTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FiguresLeaveTheWindowAMinuteAfterTheirSecond()
    {
        var clock = new ManualClock(Start);
        var window = new ServingWindow(clock);

        window.RecordFirstToken(promptTokens: 5, timeToFirstTokenSeconds: 0.03);
        window.RecordToken(0.02);
        window.RecordFinished(0.9);
        clock.Now = Start.AddSeconds(30);
        window.RecordFirstToken(promptTokens: 7, timeToFirstTokenSeconds: 3);
        window.RecordError();
        ServingStats both = window.Snapshot(running: 2, waiting: 1);
        clock.Now = Start.AddSeconds(61);
        ServingStats later = window.Snapshot(running: 0, waiting: 0);
        clock.Now = Start.AddSeconds(95);
        ServingStats empty = window.Snapshot(running: 0, waiting: 0);

        Assert.Equal(Start, both.Since); // younger than a minute: the window starts at creation
        Assert.Equal(2, both.Requests);
        Assert.Equal(1, both.Errors);
        Assert.Equal(12, both.PromptTokens);
        Assert.Equal(3, both.GenerationTokens);
        Assert.Equal((2, 1), (both.Running, both.Waiting));
        Assert.Equal(2, both.TimeToFirstToken.Count);
        Assert.Equal(3.03, both.TimeToFirstToken.Sum, 9);
        Assert.Equal(0.5, both.ErrorRate);

        Assert.Equal(Start.AddSeconds(1), later.Since);
        Assert.Equal(1, later.Requests);
        Assert.Equal(7, later.PromptTokens);
        Assert.Equal(0, later.InterToken.Count);
        Assert.Equal(0, later.EndToEnd.Count);

        Assert.Equal(0, empty.Requests);
        Assert.Null(empty.TimeToFirstToken.Quantile(0.5));
    }

    [Fact]
    public void ObservationsFallInVllmsBucketsWithInclusiveUpperBounds()
    {
        var clock = new ManualClock(Start);
        var window = new ServingWindow(clock);

        window.RecordFirstToken(1, 0.001);  // exactly the first bound
        window.RecordFirstToken(1, 0.0011); // just above it
        window.RecordFirstToken(1, 5000);   // beyond the last bound
        ServingStats stats = window.Snapshot(0, 0);

        Assert.Equal(ServingBuckets.TimeToFirstToken, stats.TimeToFirstToken.UpperBounds);
        Assert.Equal(ServingBuckets.TimeToFirstToken.Count + 1, stats.TimeToFirstToken.Counts.Count);
        Assert.Equal(1, stats.TimeToFirstToken.Counts[0]);
        Assert.Equal(1, stats.TimeToFirstToken.Counts[1]);
        Assert.Equal(1, stats.TimeToFirstToken.Counts[^1]);
        Assert.Equal(ServingBuckets.InterToken, stats.InterToken.UpperBounds);
        Assert.Equal(ServingBuckets.RequestLatency, stats.EndToEnd.UpperBounds);
    }

    [Fact]
    public void ASecondComingRoundAgainStartsEmpty()
    {
        var clock = new ManualClock(Start);
        var window = new ServingWindow(clock);

        window.RecordFinished(1);
        clock.Now = Start.AddSeconds(60); // the same slot of the ring, a minute later
        window.RecordFinished(2);
        ServingStats stats = window.Snapshot(0, 0);

        Assert.Equal(1, stats.Requests);
        Assert.Equal(2, stats.EndToEnd.Sum);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
