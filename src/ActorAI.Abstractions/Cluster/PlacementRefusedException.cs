using System.Globalization;

namespace ActorAI.Abstractions.Cluster;

/// <summary>
/// No silo of the grain's role has enough free memory for what the grain declared it needs: thrown by placement (the
/// caller of the grain sees it) and by the deployments and jobs that check before they create their grains. An
/// <see cref="OrleansException"/>, as Orleans' own placement failures are, so callers that tolerate those tolerate this.
/// </summary>
[GenerateSerializer, Alias("ActorAI.PlacementRefusedException")]
public sealed class PlacementRefusedException : OrleansException
{
    /// <summary>Creates the exception with the figures; the message names them.</summary>
    /// <param name="what">What was to be placed, such as <c>replica 'chat/0'</c>.</param>
    /// <param name="needBytes">The memory it needs.</param>
    /// <param name="role">The role of the silos it may go to.</param>
    /// <param name="largestFreeBytes">The most free memory on any such silo (0 when there is none).</param>
    /// <param name="largestFreeSilo">That silo, when there is one.</param>
    public PlacementRefusedException(string what, long needBytes, string role, long largestFreeBytes, string? largestFreeSilo)
        : base(Describe(what, needBytes, role, largestFreeBytes, largestFreeSilo))
    {
        NeedBytes = needBytes;
        Role = role;
        LargestFreeBytes = largestFreeBytes;
    }

    /// <summary>Creates the exception with no figures.</summary>
    public PlacementRefusedException() : base("No silo has enough free memory for the grain.") => Role = "";

    /// <summary>Creates the exception with a message.</summary>
    public PlacementRefusedException(string message) : base(message) => Role = "";

    /// <summary>Creates the exception with a cause.</summary>
    public PlacementRefusedException(string message, Exception inner) : base(message, inner) => Role = "";

    /// <summary>The memory (bytes) the grain declared it needs.</summary>
    [Id(0)] public long NeedBytes { get; }

    /// <summary>The most free memory (bytes) on any silo of <see cref="Role"/> when placement refused.</summary>
    [Id(1)] public long LargestFreeBytes { get; }

    /// <summary>The role of the silos the grain may go to (<c>train</c> or <c>serve</c>).</summary>
    [Id(2)] public string Role { get; }

    /// <summary>A byte count for people: <c>1.2 GiB</c>, <c>300 MiB</c>, <c>512 B</c>.</summary>
    public static string FormatBytes(long bytes)
    {
        if (bytes == long.MaxValue)
        {
            return "unlimited";
        }
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    private static string Describe(string what, long need, string role, long largestFree, string? silo) =>
        silo is null
            ? $"{what} needs {FormatBytes(need)} of memory; there is no '{role}' silo to place it on"
            : $"{what} needs {FormatBytes(need)} of memory; the largest free amount on a '{role}' silo is {FormatBytes(largestFree)} (silo {silo})";
}
