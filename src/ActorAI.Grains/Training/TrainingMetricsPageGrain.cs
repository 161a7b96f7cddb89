using System.Collections.Immutable;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Training;
using Orleans.Placement;

namespace ActorAI.Grains.Training;

/// <summary>Persistent state of one page of a job's metrics.</summary>
[GenerateSerializer, Alias("ActorAI.TrainingMetricsPageState")]
public sealed record TrainingMetricsPageState
{
    [Id(0)] public ImmutableList<TrainingMetrics> Records { get; init; } = [];
}

/// <summary>A page of at most <see cref="MetricsPages.PageSize"/> records of a job's metrics (key <c>job/page</c>).</summary>
[PreferLocalPlacement]
internal sealed class TrainingMetricsPageGrain(
    [PersistentState("trainingmetrics", ProviderNames.GrainStorage)] IPersistentState<TrainingMetricsPageState> state) : Grain, ITrainingMetricsPageGrain
{
    public async Task PutAsync(int slot, IReadOnlyList<TrainingMetrics> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ImmutableList<TrainingMetrics> current = state.State.Records;
        if (slot > current.Count || slot + records.Count > MetricsPages.PageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), $"records [{slot}, +{records.Count}) do not follow the page's {current.Count} records within {MetricsPages.PageSize}");
        }
        state.State = state.State with { Records = current.RemoveRange(slot, current.Count - slot).AddRange(records) };
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<TrainingMetrics>> ReadAsync() => Task.FromResult<IReadOnlyList<TrainingMetrics>>(state.State.Records);

    public async Task ClearAsync()
    {
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }
}
