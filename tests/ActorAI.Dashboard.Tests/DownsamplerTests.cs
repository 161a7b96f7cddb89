using ActorAI.Dashboard.Charts;

namespace ActorAI.Dashboard.Tests;

public sealed class DownsamplerTests
{
    [Fact]
    public void A_series_within_the_budget_is_returned_as_it_is()
    {
        ChartPoint[] points = [.. Enumerable.Range(0, 500).Select(i => new ChartPoint(i, Math.Sin(i)))];
        Assert.Equal(points, Downsampler.MinMax(points, 1000));
    }

    [Fact]
    public void A_long_series_keeps_at_most_the_budget_with_first_last_and_extremes()
    {
        var random = new Random(7);
        ChartPoint[] points = [.. Enumerable.Range(0, 100_000).Select(i => new ChartPoint(i, random.NextDouble()))];
        points[31_337] = new ChartPoint(31_337, 50);   // a one-step spike
        points[77_001] = new ChartPoint(77_001, -50);  // and a dip

        IReadOnlyList<ChartPoint> drawn = Downsampler.MinMax(points, 1000);

        Assert.InRange(drawn.Count, 900, 1000);
        Assert.Equal(points[0], drawn[0]);
        Assert.Equal(points[^1], drawn[^1]);
        Assert.Contains(points[31_337], drawn);
        Assert.Contains(points[77_001], drawn);
        Assert.True(drawn.Zip(drawn.Skip(1)).All(p => p.First.X < p.Second.X), "points stay in x order");
    }

    [Fact]
    public void Every_bucket_keeps_its_own_minimum_and_maximum()
    {
        // A saw tooth: every 10 points one high and one low; with 10 buckets of 100, each keeps a 1 and a -1.
        ChartPoint[] points = [.. Enumerable.Range(0, 1002).Select(i => new ChartPoint(i, i % 10 == 3 ? 1 : i % 10 == 7 ? -1 : 0))];
        IReadOnlyList<ChartPoint> drawn = Downsampler.MinMax(points, 22);
        Assert.Equal(10, drawn.Count(p => p.Y == 1));
        Assert.Equal(10, drawn.Count(p => p.Y == -1));
    }

    [Fact]
    public void Non_finite_values_are_dropped()
    {
        ChartPoint[] points = [new(1, 1), new(2, double.NaN), new(3, double.PositiveInfinity), new(4, 2)];
        Assert.Equal([new ChartPoint(1, 1), new ChartPoint(4, 2)], Downsampler.MinMax(points));
    }

    [Fact]
    public void A_budget_below_four_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Downsampler.MinMax([], 3));
}
