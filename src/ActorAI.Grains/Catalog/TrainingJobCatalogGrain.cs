using System.Collections.Immutable;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Training;
using Microsoft.Extensions.Logging;

namespace ActorAI.Grains.Catalog;

/// <summary>Persistent state of one job catalog partition.</summary>
[GenerateSerializer, Alias("ActorAI.TrainingJobCatalogState")]
public sealed record TrainingJobCatalogState
{
    // A list, not a dictionary: grain storage serializers (the memory provider's JSON among them) read immutable lists back.
    [Id(0)] public ImmutableList<TrainingJobSummary> Jobs { get; init; } = [];
    /// <summary>Whether the jobs of the name index (submitted before the catalog existed) were copied in.</summary>
    [Id(1)] public bool Backfilled { get; init; }
}

internal sealed partial class TrainingJobCatalogGrain(
    [PersistentState("jobcatalog", ProviderNames.GrainStorage)] IPersistentState<TrainingJobCatalogState> state,
    ILogger<TrainingJobCatalogGrain> logger) : Grain, ITrainingJobCatalogGrain
{
    // Jobs read at once while backfilling: enough to hide round trips, few enough not to activate hundreds at once.
    private const int BackfillParallelism = 16;

    // Derived from the state: newest first, rebuilt after a change, so a query only filters and slices; and by id.
    private TrainingJobSummary[]? _sorted;
    private Dictionary<string, TrainingJobSummary>? _byId;

    private Dictionary<string, TrainingJobSummary> ById => _byId ??= state.State.Jobs.ToDictionary(j => j.JobId, StringComparer.Ordinal);

    private int Partition => (int)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.State.Backfilled)
        {
            await BackfillAsync(cancellationToken);
        }
    }

    public Task UpsertAsync(TrainingJobSummary summary) => UpsertManyAsync([summary]);

    public async Task UpsertManyAsync(IReadOnlyList<TrainingJobSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var jobs = new Dictionary<string, TrainingJobSummary>(ById, StringComparer.Ordinal);
        bool changed = false;
        foreach (TrainingJobSummary summary in summaries)
        {
            ArgumentNullException.ThrowIfNull(summary);
            if (TrainingJobCatalog.PartitionOf(summary.JobId) != Partition)
            {
                throw new ArgumentException($"job '{summary.JobId}' belongs to catalog partition {TrainingJobCatalog.PartitionOf(summary.JobId)}, not {Partition}", nameof(summaries));
            }
            if (!jobs.TryGetValue(summary.JobId, out TrainingJobSummary? known) || known.UpdatedAt <= summary.UpdatedAt)
            {
                jobs[summary.JobId] = summary;
                changed = true;
            }
        }
        if (changed)
        {
            state.State = state.State with { Jobs = [.. jobs.Values] };
            await state.WriteStateAsync();
            (_byId, _sorted) = (jobs, null);
        }
    }

    public Task<TrainingJobPage> QueryAsync(TrainingJobQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.ThrowIfInvalid();
        _sorted ??= [.. state.State.Jobs.Order(TrainingJobCatalog.NewestFirst)];
        var first = new List<TrainingJobSummary>(Math.Min(query.Skip + query.Take, _sorted.Length));
        int total = 0;
        foreach (TrainingJobSummary summary in _sorted)
        {
            if (query.Includes(summary))
            {
                if (total < query.Skip + query.Take)
                {
                    first.Add(summary);
                }
                total++;
            }
        }
        return Task.FromResult(new TrainingJobPage(first, total));
    }

    private async Task BackfillAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ids = await GrainFactory.GetGrain<INameIndexGrain>(INameIndexGrain.TrainingJobs).ListAsync();
        string[] mine = [.. ids.Where(id => TrainingJobCatalog.PartitionOf(id) == Partition && !ById.ContainsKey(id))];
        var found = new List<TrainingJobSummary>(mine.Length);
        foreach (string[] batch in mine.Chunk(BackfillParallelism))
        {
            cancellationToken.ThrowIfCancellationRequested();
            TrainingJobInfo[] infos = await Task.WhenAll(batch.Select(id => GrainFactory.GetGrain<ITrainingJobGrain>(id).GetAsync()));
            found.AddRange(infos.Where(info => info.Spec is not null).Select(TrainingJobSummary.From));
        }
        var jobs = new Dictionary<string, TrainingJobSummary>(ById, StringComparer.Ordinal);
        foreach (TrainingJobSummary summary in found)
        {
            jobs.TryAdd(summary.JobId, summary);
        }
        state.State = state.State with { Jobs = [.. jobs.Values], Backfilled = true };
        await state.WriteStateAsync();
        (_byId, _sorted) = (jobs, null);
        LogBackfilled(Partition, found.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job catalog partition {Partition}: {Count} jobs copied from the name index")]
    private partial void LogBackfilled(int partition, int count);
}
