using ActorAI.Abstractions;
using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Registry;

namespace ActorAI.Client;

/// <summary>Paged queries for views over many jobs, models and versions (the dashboard).</summary>
public sealed partial class ActorAIClient
{
    /// <summary>
    /// One page of training jobs, newest submitted first, with how many match in all. Reads the job catalog (one call per
    /// partition), never every job grain; a running job's step and loss there trail the job by a few seconds.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The paging values are out of range.</exception>
    public async Task<TrainingJobPage> QueryTrainingJobsAsync(TrainingJobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.ThrowIfInvalid();
        TrainingJobPage[] pages = await Task.WhenAll(Enumerable.Range(0, TrainingJobCatalog.Partitions)
            .Select(p => Cluster.GetGrain<ITrainingJobCatalogGrain>(p).QueryAsync(query))).WaitAsync(cancellationToken).ConfigureAwait(false);
        return TrainingJobCatalog.Merge(pages, query);
    }

    /// <summary>Registered model names in the order they were registered, from <paramref name="skip"/>, at most <paramref name="take"/>, and the total.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="skip"/> is negative or <paramref name="take"/> not positive.</exception>
    public async Task<(IReadOnlyList<string> Names, int Total)> ListModelNamesAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(take);
        IReadOnlyList<string> names = await Index(INameIndexGrain.Models).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return ([.. names.Skip(skip).Take(take)], names.Count);
    }

    /// <summary>
    /// A page of model <paramref name="name"/>: versions newest first from <paramref name="skip"/> (at most
    /// <paramref name="take"/>), every alias, and the newest <paramref name="historyTake"/> alias changes.
    /// </summary>
    public Task<ModelPage> GetModelPageAsync(string name, int skip, int take, int historyTake = 50) =>
        Model(name).GetPageAsync(skip, take, historyTake);
}
