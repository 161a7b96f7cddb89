using ActorAI.Abstractions.Training;

namespace ActorAI.Grains.Training;

/// <summary>
/// A job's metrics history, kept in <see cref="ITrainingMetricsPageGrain"/> pages laid out by <see cref="MetricsPages"/>;
/// the job state holds only the <see cref="MetricsIndex"/>.
/// </summary>
internal sealed class TrainingMetricsLog(IGrainFactory grains, string jobId)
{
    /// <summary>
    /// Writes <paramref name="metrics"/> as record <see cref="MetricsIndex.Count"/> (one page write). Returns the index to
    /// save and the pages no longer kept, to clear once it is saved.
    /// </summary>
    public async Task<(MetricsIndex Next, IReadOnlyList<long> Dropped)> AppendAsync(MetricsIndex index, TrainingMetrics metrics)
    {
        await Page(index.Count / MetricsPages.PageSize).PutAsync((int)(index.Count % MetricsPages.PageSize), [metrics]);
        return MetricsPages.Append(index, metrics);
    }

    public Task ClearAsync(IEnumerable<long> pages) => Task.WhenAll(pages.Select(p => Page(p).ClearAsync()));

    /// <summary>Up to <paramref name="max"/> records after <paramref name="afterStep"/>, in log order, reading only the pages that hold some.</summary>
    public async Task<IReadOnlyList<TrainingMetrics>> ReadAsync(MetricsIndex index, long afterStep, int max)
    {
        var found = new List<TrainingMetrics>();
        foreach ((long page, int valid) in MetricsPages.PagesAfter(index, afterStep))
        {
            IReadOnlyList<TrainingMetrics> records = await Page(page).ReadAsync();
            // Records past the count are a write whose step the job never recorded (it failed before saving).
            found.AddRange(records.Take(valid).Where(m => m.Step > afterStep).Take(max - found.Count));
            if (found.Count >= max)
            {
                break;
            }
        }
        return found;
    }

    /// <summary>Writes a whole history (a state from before the pages) a page per call; returns its index.</summary>
    public async Task<MetricsIndex> ImportAsync(IReadOnlyList<TrainingMetrics> records)
    {
        MetricsIndex index = MetricsIndex.Empty;
        foreach (TrainingMetrics[] page in records.Chunk(MetricsPages.PageSize))
        {
            await Page(index.Count / MetricsPages.PageSize).PutAsync(0, page);
            foreach (TrainingMetrics m in page)
            {
                index = MetricsPages.Append(index, m).Next;
            }
        }
        return index;
    }

    private ITrainingMetricsPageGrain Page(long page) => grains.GetGrain<ITrainingMetricsPageGrain>(MetricsPages.Key(jobId, page));
}
