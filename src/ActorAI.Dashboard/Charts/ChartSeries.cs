namespace ActorAI.Dashboard.Charts;

/// <summary>A named series of a line chart.</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<ChartPoint> Points);

/// <summary>Scales series into an SVG viewport and writes their polylines (pure; the chart component draws the result).</summary>
public static class ChartLayout
{
    /// <summary>Series colours, in order.</summary>
    public static readonly IReadOnlyList<string> Palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

    /// <summary>The bounds of every point of every series, padded when flat; null when there are no points.</summary>
    public static (double MinX, double MaxX, double MinY, double MaxY)? Bounds(IEnumerable<IReadOnlyList<ChartPoint>> series)
    {
        double minX = double.MaxValue, maxX = double.MinValue, minY = double.MaxValue, maxY = double.MinValue;
        bool any = false;
        foreach (ChartPoint p in series.SelectMany(s => s))
        {
            any = true;
            minX = Math.Min(minX, p.X);
            maxX = Math.Max(maxX, p.X);
            minY = Math.Min(minY, p.Y);
            maxY = Math.Max(maxY, p.Y);
        }
        if (!any)
        {
            return null;
        }
        if (maxX <= minX)
        {
            maxX = minX + 1;
        }
        if (maxY <= minY)
        {
            double pad = Math.Abs(minY) * 0.05 + 1e-9;
            minY -= pad;
            maxY += pad;
        }
        return (minX, maxX, minY, maxY);
    }

    /// <summary>The <c>points</c> attribute of an SVG polyline for <paramref name="points"/> inside a width × height plot.</summary>
    public static string Polyline(IReadOnlyList<ChartPoint> points, (double MinX, double MaxX, double MinY, double MaxY) b, double width, double height)
    {
        ArgumentNullException.ThrowIfNull(points);
        var text = new System.Text.StringBuilder(points.Count * 14);
        foreach (ChartPoint p in points)
        {
            double x = (p.X - b.MinX) / (b.MaxX - b.MinX) * width;
            double y = height - (p.Y - b.MinY) / (b.MaxY - b.MinY) * height;
            text.Append(x.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                .Append(y.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
        }
        return text.ToString().TrimEnd();
    }
}
