using System.Globalization;

namespace ActorAI.Cli.Rendering;

/// <summary>Human-readable quantities.</summary>
internal static class Units
{
    /// <summary>Bytes in binary units, e.g. <c>1.5 KiB</c>.</summary>
    public static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    /// <summary>A count with thousands separators, e.g. <c>1,234,567</c>.</summary>
    public static string FormatCount(long count) => count.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A duration as <c>m:ss</c> (or <c>h:mm:ss</c>), or seconds with one decimal under a minute.</summary>
    public static string FormatDuration(TimeSpan duration) =>
        duration.TotalSeconds < 60 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s")
        : duration.TotalHours >= 1 ? duration.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : duration.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
