namespace ActorAI.Abstractions.Catalog;

/// <summary>Something that happened to a training job: submitted, paused, resumed, scaled, checkpointed, recovered, ended.</summary>
/// <param name="At">When the job recorded it.</param>
/// <param name="Step">The job's step then.</param>
/// <param name="Message">What happened, in words.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TrainingJobEvent")]
public sealed record TrainingJobEvent([property: Id(0)] DateTimeOffset At, [property: Id(1)] long Step, [property: Id(2)] string Message);

/// <summary>A training job's event log (key: job id), persisted, keeping the newest <see cref="MaxEvents"/>.</summary>
[Alias("ActorAI.ITrainingJobEventsGrain")]
public interface ITrainingJobEventsGrain : IGrainWithStringKey
{
    /// <summary>Events kept per job.</summary>
    public const int MaxEvents = 500;

    /// <summary>Appends events in the order given.</summary>
    [Alias("Append")]
    Task AppendAsync(IReadOnlyList<TrainingJobEvent> events);

    /// <summary>The newest <paramref name="max"/> events, newest first, and how many are kept in all.</summary>
    [Alias("Get"), Orleans.Concurrency.ReadOnly]
    Task<(IReadOnlyList<TrainingJobEvent> Events, int Total)> GetAsync(int max);
}
