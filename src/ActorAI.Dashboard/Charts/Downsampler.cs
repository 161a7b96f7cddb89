namespace ActorAI.Dashboard.Charts;

/// <summary>One point of a chart series.</summary>
public readonly record struct ChartPoint(double X, double Y);

/// <summary>
/// Reduces a series to at most a given number of points while keeping its extremes: the points are split into equal
/// buckets by position and each bucket keeps its minimum and its maximum (in x order), plus the series' first and last
/// point. A spike that lasts one step therefore still shows, however long the run.
/// </summary>
public static class Downsampler
{
    /// <summary>The default budget per series: about a thousand points, enough for any screen width.</summary>
    public const int DefaultMaxPoints = 1000;

    /// <summary>
    /// <paramref name="points"/> (in x order) reduced to at most <paramref name="maxPoints"/> points; non-finite y values
    /// are dropped. A series within the budget is returned as it is.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPoints"/> is below 4.</exception>
    public static IReadOnlyList<ChartPoint> MinMax(IReadOnlyList<ChartPoint> points, int maxPoints = DefaultMaxPoints)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 4);
        ChartPoint[] finite = [.. points.Where(p => double.IsFinite(p.Y) && double.IsFinite(p.X))];
        if (finite.Length <= maxPoints)
        {
            return finite;
        }
        // First and last are kept on their own; the rest is split into buckets of two points each.
        int buckets = (maxPoints - 2) / 2;
        var result = new List<ChartPoint>(maxPoints) { finite[0] };
        int inner = finite.Length - 2;
        for (int b = 0; b < buckets; b++)
        {
            int from = 1 + (int)((long)inner * b / buckets);
            int to = 1 + (int)((long)inner * (b + 1) / buckets);
            if (from >= to)
            {
                continue;
            }
            int min = from, max = from;
            for (int i = from + 1; i < to; i++)
            {
                if (finite[i].Y < finite[min].Y)
                {
                    min = i;
                }
                if (finite[i].Y > finite[max].Y)
                {
                    max = i;
                }
            }
            result.Add(finite[Math.Min(min, max)]);
            if (min != max)
            {
                result.Add(finite[Math.Max(min, max)]);
            }
        }
        result.Add(finite[^1]);
        return result;
    }
}
