using System.Collections.Immutable;
using ActorAI.Abstractions.Training;

namespace ActorAI.Grains.Training;

/// <summary>
/// Where a job's metrics records live: record <c>i</c> of the job's log (re-run steps included) is slot
/// <c>i % PageSize</c> of page <c>i / PageSize</c>. The job state keeps the count, the first page kept and each kept
/// page's highest step, so a reader skips the pages with nothing after the step it asks from.
/// </summary>
internal static class MetricsPages
{
    /// <summary>Records per page: one step writes at most this many.</summary>
    public const int PageSize = 100;

    /// <summary>The job keeps at least the last this many records (whole pages beyond that are dropped).</summary>
    public const int MaxRecords = 10_000;

    public static string Key(string jobId, long page) => $"{jobId}/{page}";

    /// <summary>The index after appending <paramref name="metrics"/> as record <paramref name="index"/>, and the pages to drop.</summary>
    public static (MetricsIndex Next, IReadOnlyList<long> Dropped) Append(MetricsIndex index, TrainingMetrics metrics)
    {
        long slot = index.Count % PageSize;
        ImmutableList<long> highest = slot == 0 || index.PageHighestSteps.Count == 0
            ? index.PageHighestSteps.Add(metrics.Step)
            : index.PageHighestSteps.SetItem(index.PageHighestSteps.Count - 1, Math.Max(index.PageHighestSteps[^1], metrics.Step));
        long count = index.Count + 1;
        long first = index.FirstPage;
        var dropped = new List<long>();
        while (count - (first + 1) * PageSize >= MaxRecords)
        {
            dropped.Add(first++);
        }
        return (new MetricsIndex(count, first, highest.RemoveRange(0, dropped.Count)), dropped);
    }

    /// <summary>The kept pages that hold a record after <paramref name="afterStep"/>, in log order, with their valid record counts.</summary>
    public static IEnumerable<(long Page, int Valid)> PagesAfter(MetricsIndex index, long afterStep)
    {
        for (int i = 0; i < index.PageHighestSteps.Count; i++)
        {
            long page = index.FirstPage + i;
            if (index.PageHighestSteps[i] > afterStep)
            {
                yield return (page, (int)Math.Min(PageSize, index.Count - page * PageSize));
            }
        }
    }
}

/// <summary>What the job state records of its metrics pages.</summary>
/// <param name="Count">Records appended since the job began (the next record's index).</param>
/// <param name="FirstPage">The oldest page kept.</param>
/// <param name="PageHighestSteps">The highest step recorded in each kept page, from <paramref name="FirstPage"/> on.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.MetricsIndex")]
public sealed record MetricsIndex(
    [property: Id(0)] long Count,
    [property: Id(1)] long FirstPage,
    [property: Id(2)] ImmutableList<long> PageHighestSteps)
{
    public static MetricsIndex Empty { get; } = new(0, 0, []);
}
