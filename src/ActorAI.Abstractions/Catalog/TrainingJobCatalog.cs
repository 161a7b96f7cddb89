using ActorAI.Abstractions.Training;

namespace ActorAI.Abstractions.Catalog;

/// <summary>
/// A compact, persisted record of one training job, kept by the job catalog so that a list of thousands of jobs pages
/// without reading every job grain. The job grain republishes it on status changes, checkpoints, recoveries and at most
/// every few seconds while it runs, so <see cref="Step"/> and <see cref="LastLoss"/> may trail the job slightly.
/// </summary>
/// <param name="JobId">The job id.</param>
/// <param name="Status">Lifecycle status.</param>
/// <param name="SubmittedAt">When the job was submitted.</param>
/// <param name="UpdatedAt">When the job last changed.</param>
/// <param name="Step">Steps completed.</param>
/// <param name="Steps">Steps the job runs in all.</param>
/// <param name="LastLoss">Loss of the last recorded step, if any.</param>
/// <param name="Workers">Current trainers.</param>
/// <param name="Model">Model preset of the spec.</param>
/// <param name="Dataset">Dataset of the spec.</param>
/// <param name="Reason">Why the job paused, failed or was cancelled, if it did.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainingJobSummary")]
public sealed record TrainingJobSummary(
    [property: Id(0)] string JobId,
    [property: Id(1)] TrainingJobStatus Status,
    [property: Id(2)] DateTimeOffset SubmittedAt,
    [property: Id(3)] DateTimeOffset UpdatedAt,
    [property: Id(4)] long Step,
    [property: Id(5)] int Steps,
    [property: Id(6)] double? LastLoss,
    [property: Id(7)] int Workers,
    [property: Id(8)] string Model,
    [property: Id(9)] string Dataset,
    [property: Id(10)] string? Reason)
{
    /// <summary>The summary of a job as its grain reports it.</summary>
    public static TrainingJobSummary From(TrainingJobInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new TrainingJobSummary(info.JobId, info.Status, info.SubmittedAt, info.UpdatedAt, info.Step, info.Spec?.Steps ?? 0,
            info.LastMetrics?.Loss, info.Workers, info.Spec?.Model ?? "", info.Spec?.Dataset ?? "", info.Reason);
    }

    /// <summary>Whether the summary matches a case-insensitive text filter (job id, model or dataset).</summary>
    public bool Matches(string? text) =>
        string.IsNullOrWhiteSpace(text)
        || JobId.Contains(text, StringComparison.OrdinalIgnoreCase)
        || Model.Contains(text, StringComparison.OrdinalIgnoreCase)
        || Dataset.Contains(text, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A page request over the job catalog: newest submitted first.</summary>
/// <param name="Skip">Jobs to skip (0 or more).</param>
/// <param name="Take">Jobs to return, 1 to <see cref="MaxTake"/>.</param>
/// <param name="Status">Only jobs with this status; <see langword="null"/> for all.</param>
/// <param name="Text">Only jobs whose id, model or dataset contains this text (case-insensitive); empty for all.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainingJobQuery")]
public sealed record TrainingJobQuery(
    [property: Id(0)] int Skip = 0,
    [property: Id(1)] int Take = 25,
    [property: Id(2)] TrainingJobStatus? Status = null,
    [property: Id(3)] string? Text = null)
{
    /// <summary>Largest page.</summary>
    public const int MaxTake = 500;

    /// <summary>Throws when the paging values are out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Skip is negative or Take is outside 1..<see cref="MaxTake"/>.</exception>
    public void ThrowIfInvalid()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Skip, nameof(Skip));
        ArgumentOutOfRangeException.ThrowIfLessThan(Take, 1, nameof(Take));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Take, MaxTake, nameof(Take));
    }

    /// <summary>Whether <paramref name="summary"/> passes this query's filters.</summary>
    public bool Includes(TrainingJobSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return (Status is null || summary.Status == Status) && summary.Matches(Text);
    }
}

/// <summary>One page of jobs and how many jobs match the query in all.</summary>
/// <param name="Items">The page, newest submitted first.</param>
/// <param name="Total">Jobs matching the filters in all.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainingJobPage")]
public sealed record TrainingJobPage([property: Id(0)] IReadOnlyList<TrainingJobSummary> Items, [property: Id(1)] int Total);

/// <summary>
/// One partition of the training job catalog (key: partition number, 0 to <see cref="TrainingJobCatalog.Partitions"/> - 1),
/// persisted. On first activation it backfills the jobs recorded in the training-jobs name index before the catalog existed.
/// </summary>
[Alias("ActorAI.ITrainingJobCatalogGrain")]
public interface ITrainingJobCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Records or replaces a job's summary; an older summary (by <see cref="TrainingJobSummary.UpdatedAt"/>) never replaces a newer one.</summary>
    /// <exception cref="ArgumentException">The job belongs to another partition.</exception>
    [Alias("Upsert")]
    Task UpsertAsync(TrainingJobSummary summary);

    /// <summary>Records or replaces several summaries with one write (seeding, backfill); the same rules as <see cref="UpsertAsync"/>.</summary>
    /// <exception cref="ArgumentException">A job belongs to another partition.</exception>
    [Alias("UpsertMany")]
    Task UpsertManyAsync(IReadOnlyList<TrainingJobSummary> summaries);

    /// <summary>
    /// This partition's first <c>Skip + Take</c> matching summaries, newest submitted first, and how many match in all: the
    /// caller merges the partitions' answers.
    /// </summary>
    [Alias("Query"), Orleans.Concurrency.ReadOnly]
    Task<TrainingJobPage> QueryAsync(TrainingJobQuery query);
}

/// <summary>The partitioning of the training job catalog.</summary>
public static class TrainingJobCatalog
{
    /// <summary>Number of catalog partitions.</summary>
    public const int Partitions = 16;

    /// <summary>The partition of <paramref name="jobId"/>: a stable hash (FNV-1a of the UTF-16 code units), the same on every process.</summary>
    public static int PartitionOf(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        uint hash = 2166136261;
        foreach (char c in jobId)
        {
            hash = (hash ^ c) * 16777619;
        }
        return (int)(hash % Partitions);
    }

    /// <summary>Merges the partitions' answers into the requested page (newest submitted first, ties by job id).</summary>
    public static TrainingJobPage Merge(IEnumerable<TrainingJobPage> partitions, TrainingJobQuery query)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(query);
        var all = partitions.ToList();
        return new TrainingJobPage(
            [.. all.SelectMany(p => p.Items).OrderBy(s => s, NewestFirst).Skip(query.Skip).Take(query.Take)],
            all.Sum(p => p.Total));
    }

    /// <summary>Newest submitted first; ties by job id.</summary>
    public static IComparer<TrainingJobSummary> NewestFirst { get; } = Comparer<TrainingJobSummary>.Create((a, b) =>
    {
        int c = b.SubmittedAt.CompareTo(a.SubmittedAt);
        return c != 0 ? c : string.CompareOrdinal(a.JobId, b.JobId);
    });
}
