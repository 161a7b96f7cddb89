using ActorAI.Abstractions.Serving;
using ActorAI.Grains.Diagnostics;

namespace ActorAI.Grains.Tests.Diagnostics;

public sealed class ServingWindowTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ReplicaFiguresAddUpAndQuantilesInterpolateInsideTheirBucket()
    {
        double[] bounds = [0.1, 0.5, 1.0];
        var a = new ServingStats(Start, Start.AddSeconds(60), 10, 1, 100, 200,
            new LatencyHistogram(bounds, [2, 6, 2, 0], 4), new LatencyHistogram(bounds, [5, 0, 0, 0], 0.2), new LatencyHistogram(bounds, [0, 0, 10, 0], 8), 1, 0);
        var b = new ServingStats(Start.AddSeconds(5), Start.AddSeconds(62), 10, 0, 50, 100,
            new LatencyHistogram(bounds, [0, 0, 0, 10], 20), new LatencyHistogram(bounds, [5, 0, 0, 0], 0.2), new LatencyHistogram(bounds, [0, 0, 10, 0], 8), 2, 3);

        ServingStats sum = a.Add(b);

        Assert.Equal((Start, Start.AddSeconds(62)), (sum.Since, sum.At));
        Assert.Equal((20L, 1L, 150L, 300L, 3, 3), (sum.Requests, sum.Errors, sum.PromptTokens, sum.GenerationTokens, sum.Running, sum.Waiting));
        Assert.Equal([2L, 6, 2, 10], sum.TimeToFirstToken.Counts);
        Assert.Equal(24, sum.TimeToFirstToken.Sum, 9);
        // a alone: rank 5 of 10 falls 3/6 of the way into (0.1, 0.5]; rank 9 is 1/2 into (0.5, 1.0].
        Assert.Equal(0.3, a.TimeToFirstToken.Quantile(0.5)!.Value, 9);
        Assert.Equal(0.75, a.TimeToFirstToken.Quantile(0.9)!.Value, 9);
        // The sum: the p99 lies in the +∞ bucket, reported as the largest finite bound.
        Assert.Equal(1.0, sum.TimeToFirstToken.Quantile(0.99)!.Value, 9);
        Assert.Throws<ArgumentException>(() => a.TimeToFirstToken.Add(new LatencyHistogram([0.2], [1, 0], 0.1)));
    }

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
