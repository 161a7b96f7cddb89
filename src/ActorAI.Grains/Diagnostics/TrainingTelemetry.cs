using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ActorAI.Grains.Diagnostics;

/// <summary>
/// The silo's training instruments, labelled <c>job</c>: <c>actorai:training_step_seconds{phase}</c> (pull, compute, push,
/// apply: the slowest trainer's figure per step), loss and tokens/s gauges, and exchange-byte, recovery and refused-push
/// counters. Without an <see cref="IMeterFactory"/> (metrics off) every call does nothing.
/// </summary>
public sealed class TrainingTelemetry
{
    /// <summary>Step phase histogram buckets (seconds): from a tiny model's milliseconds to a large one's minutes.</summary>
    public static IReadOnlyList<double> StepBuckets { get; } =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500];

    private readonly Histogram<double>? _stepSeconds;
    private readonly Gauge<double>? _loss;
    private readonly Gauge<double>? _tokensPerSecond;
    private readonly Gauge<double>? _learningRate;
    private readonly Counter<long>? _steps;
    private readonly Counter<long>? _exchangeBytes;
    private readonly Counter<long>? _recoveries;
    private readonly Counter<long>? _refusedPushes;

    /// <summary>Creates the instruments on <paramref name="meters"/>; null leaves metrics off.</summary>
    public TrainingTelemetry(IMeterFactory? meters)
    {
        if (meters is null)
        {
            return;
        }
        Meter meter = meters.Create(ActorAITelemetry.TrainingMeter);
        _stepSeconds = meter.CreateHistogram("actorai:training_step_seconds", unit: null,
            "Seconds of each phase of a training step (pull, compute, push: the slowest trainer; apply: the shards).", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = StepBuckets });
        _loss = meter.CreateGauge<double>("actorai:training_loss", description: "Mean training loss of the last step.");
        _tokensPerSecond = meter.CreateGauge<double>("actorai:training_tokens_per_second", description: "Training throughput of the last step.");
        _learningRate = meter.CreateGauge<double>("actorai:training_learning_rate", description: "Learning rate of the last step.");
        _steps = meter.CreateCounter<long>("actorai:training_steps_total", description: "Training steps completed.");
        _exchangeBytes = meter.CreateCounter<long>("actorai:training_exchange_bytes_total", description: "Parameter and gradient bytes moved between trainers and shards.");
        _recoveries = meter.CreateCounter<long>("actorai:training_recoveries_total", description: "Times a job restored its shards from a checkpoint after a failed step.");
        _refusedPushes = meter.CreateCounter<long>("actorai:training_refused_pushes_total", description: "Gradient pushes a shard refused as too stale (asynchronous mode).");
    }

    /// <summary>One completed step of <paramref name="job"/>; times in milliseconds as the step results carry them.</summary>
    public void RecordStep(string job, double pullMs, double computeMs, double pushMs, double applyMs,
        double loss, double tokensPerSecond, double learningRate, long exchangeBytes, long refusedPushes)
    {
        if (_stepSeconds is null)
        {
            return;
        }
        var tags = new TagList { { "job", job } };
        Phase(job, "pull", pullMs);
        Phase(job, "compute", computeMs);
        Phase(job, "push", pushMs);
        Phase(job, "apply", applyMs);
        if (double.IsFinite(loss))
        {
            _loss!.Record(loss, tags);
        }
        _tokensPerSecond!.Record(tokensPerSecond, tags);
        _learningRate!.Record(learningRate, tags);
        _steps!.Add(1, tags);
        _exchangeBytes!.Add(exchangeBytes, tags);
        _refusedPushes!.Add(refusedPushes, tags);
    }

    /// <summary>A recovery of <paramref name="job"/> from its last checkpoint.</summary>
    public void RecordRecovery(string job) => _recoveries?.Add(1, new KeyValuePair<string, object?>("job", job));

    private void Phase(string job, string phase, double milliseconds) =>
        _stepSeconds!.Record(milliseconds / 1000, new KeyValuePair<string, object?>("job", job), new KeyValuePair<string, object?>("phase", phase));
}
