using System.Diagnostics;

namespace ActorAI.Grains.Diagnostics;

/// <summary>
/// The names of ActorAI's meters and activity sources, in one place: the silo host subscribes its exporters to these,
/// and tests listen to them.
/// </summary>
public static class ActorAITelemetry
{
    /// <summary>Serving metrics (<c>actorai:</c> names after vLLM's): latencies, tokens, queue and KV cache.</summary>
    public const string ServingMeter = "ActorAI.Serving";

    /// <summary>Training metrics: step phases, loss, tokens/s, exchange bytes, recoveries, refused pushes.</summary>
    public const string TrainingMeter = "ActorAI.Training";

    /// <summary>Cluster metrics: silos by membership status.</summary>
    public const string ClusterMeter = "ActorAI.Cluster";

    /// <summary>Spans of a generation request on its replica (replica → engine).</summary>
    public const string ServingSource = "ActorAI.Serving";

    /// <summary>Spans of a training step (job → trainers → shards).</summary>
    public const string TrainingSource = "ActorAI.Training";

    /// <summary>Every ActorAI meter of a silo.</summary>
    public static IReadOnlyList<string> Meters { get; } = [ServingMeter, TrainingMeter, ClusterMeter];

    /// <summary>Every ActorAI activity source of a silo (the client's router has its own, in ActorAI.Client).</summary>
    public static IReadOnlyList<string> ActivitySources { get; } = [ServingSource, TrainingSource];

    internal static ActivitySource Serving { get; } = new(ServingSource);

    internal static ActivitySource Training { get; } = new(TrainingSource);
}
