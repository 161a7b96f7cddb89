using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorAI.Abstractions.Serving;
using ActorAI.Compute.Generation;

namespace ActorAI.Grains.Diagnostics;

/// <summary>
/// The silo's serving instruments, named after vLLM's with the <c>actorai:</c> prefix and labelled <c>model_name</c> (the
/// deployment, as clients name it), <c>deployment</c>, <c>model</c>, <c>version</c> and <c>replica</c>. Built from the host's
/// <see cref="IMeterFactory"/>; without one (metrics off) nothing is created and replicas record only their
/// <see cref="ServingWindow"/>.
/// </summary>
public sealed class ServingTelemetry
{
    private readonly ConcurrentDictionary<ReplicaMetrics, GenerationEngine> _engines = new();

    /// <summary>Creates the instruments on <paramref name="meters"/>; null leaves metrics off.</summary>
    public ServingTelemetry(IMeterFactory? meters)
    {
        if (meters is null)
        {
            return;
        }
        Meter meter = meters.Create(ActorAITelemetry.ServingMeter);
        TimeToFirstToken = Histogram(meter, "actorai:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ServingBuckets.TimeToFirstToken);
        InterToken = Histogram(meter, "actorai:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", ServingBuckets.InterToken);
        TimePerOutputToken = Histogram(meter, "actorai:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", ServingBuckets.InterToken);
        EndToEnd = Histogram(meter, "actorai:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", ServingBuckets.RequestLatency);
        QueueTime = Histogram(meter, "actorai:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", ServingBuckets.RequestLatency);
        PromptTokens = meter.CreateCounter<long>("actorai:prompt_tokens_total", description: "Number of prefill tokens processed.");
        GenerationTokens = meter.CreateCounter<long>("actorai:generation_tokens_total", description: "Number of generation tokens processed.");
        RequestSuccess = meter.CreateCounter<long>("actorai:request_success_total", description: "Count of successfully processed requests.");
        meter.CreateObservableGauge("actorai:num_requests_running", () => Observe(e => e.Active), description: "Number of requests in model execution batches.");
        meter.CreateObservableGauge("actorai:num_requests_waiting", () => Observe(e => Math.Max(0, e.Outstanding - e.Active)), description: "Number of requests waiting to be processed.");
        meter.CreateObservableGauge("actorai:kv_cache_usage_perc", () => Observe(e => e.CacheUsage), description: "KV-cache usage. 1 means 100 percent usage.");
        meter.CreateObservableGauge("actorai:kv_cache_bytes", () => ObserveCount(e => e.KvCacheBytes), unit: "By", description: "Bytes the paged KV cache holds (grows with the live tokens, up to the budget).");
        // Cumulative per engine (vLLM's prefix_cache_queries / prefix_cache_hits): hits ÷ queries is the prefix-cache hit rate.
        meter.CreateObservableCounter("actorai:prefix_cache_queries_total", () => ObserveCount(e => e.PrefixCacheQueries), description: "Prefix cache queries, in terms of number of queried tokens.");
        meter.CreateObservableCounter("actorai:prefix_cache_hits_total", () => ObserveCount(e => e.PrefixCacheHits), description: "Prefix cache hits, in terms of number of cached tokens.");
    }

    /// <summary>Whether the instruments exist (the host's <c>Telemetry:Metrics</c>).</summary>
    public bool Enabled => TimeToFirstToken is not null;

    internal Histogram<double>? TimeToFirstToken { get; }
    internal Histogram<double>? InterToken { get; }
    internal Histogram<double>? TimePerOutputToken { get; }
    internal Histogram<double>? EndToEnd { get; }
    internal Histogram<double>? QueueTime { get; }
    internal Counter<long>? PromptTokens { get; }
    internal Counter<long>? GenerationTokens { get; }
    internal Counter<long>? RequestSuccess { get; }

    /// <summary>The recorder of one loaded replica; attach its engine with <see cref="Attach"/>.</summary>
    public ReplicaMetrics ForReplica(ReplicaSpec spec, string replica, ServingWindow window)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ReplicaMetrics(this, spec, replica, window);
    }

    internal void Attach(ReplicaMetrics replica, GenerationEngine engine) => _engines[replica] = engine;

    internal void Detach(ReplicaMetrics replica) => _engines.TryRemove(replica, out _);

    private IEnumerable<Measurement<double>> Observe(Func<GenerationEngine, double> read)
    {
        foreach ((ReplicaMetrics replica, GenerationEngine engine) in _engines)
        {
            yield return new Measurement<double>(read(engine), replica.Tags);
        }
    }

    private IEnumerable<Measurement<long>> ObserveCount(Func<GenerationEngine, long> read)
    {
        foreach ((ReplicaMetrics replica, GenerationEngine engine) in _engines)
        {
            yield return new Measurement<long>(read(engine), replica.Tags);
        }
    }

    private static Histogram<double> Histogram(Meter meter, string name, string description, IReadOnlyList<double> bounds) =>
        meter.CreateHistogram(name, unit: null, description, tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = bounds });
}

/// <summary>
/// Records one replica's requests: into the silo's instruments (when on) with label sets built once, and into the
/// replica's <see cref="ServingWindow"/>. The engine calls it from its decode thread.
/// </summary>
public sealed class ReplicaMetrics : IGenerationObserver, IDisposable
{
    private readonly ServingTelemetry _telemetry;
    private readonly ServingWindow _window;
    private readonly TagList _tags;
    private readonly TagList _stop;
    private readonly TagList _length;
    private readonly TagList _abort;

    internal ReplicaMetrics(ServingTelemetry telemetry, ReplicaSpec spec, string replica, ServingWindow window)
    {
        _telemetry = telemetry;
        _window = window;
        _tags = new TagList
        {
            { "model_name", spec.Deployment },
            { "deployment", spec.Deployment },
            { "model", spec.Model },
            { "version", spec.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            { "replica", replica },
        };
        _stop = With(_tags, "stop");
        _length = With(_tags, "length");
        _abort = With(_tags, "abort");
    }

    internal TagList Tags => _tags;

    /// <summary>Publishes <paramref name="engine"/>'s running, waiting and KV-cache gauges under this replica's labels.</summary>
    public void Attach(GenerationEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (_telemetry.Enabled)
        {
            _telemetry.Attach(this, engine);
        }
    }

    /// <inheritdoc />
    public void OnFirstToken(int promptTokens, double queueSeconds, double timeToFirstTokenSeconds)
    {
        _window.RecordFirstToken(promptTokens, timeToFirstTokenSeconds);
        if (_telemetry.Enabled)
        {
            _telemetry.QueueTime!.Record(queueSeconds, in _tags);
            _telemetry.TimeToFirstToken!.Record(timeToFirstTokenSeconds, in _tags);
            _telemetry.PromptTokens!.Add(promptTokens, in _tags);
            _telemetry.GenerationTokens!.Add(1, in _tags);
        }
    }

    /// <inheritdoc />
    public void OnToken(double interTokenSeconds)
    {
        _window.RecordToken(interTokenSeconds);
        if (_telemetry.Enabled)
        {
            _telemetry.InterToken!.Record(interTokenSeconds, in _tags);
            _telemetry.GenerationTokens!.Add(1, in _tags);
        }
    }

    /// <inheritdoc />
    public void OnFinished(FinishReason reason, int promptTokens, int generatedTokens, double endToEndSeconds, double? timePerOutputTokenSeconds)
    {
        _window.RecordFinished(endToEndSeconds);
        if (_telemetry.Enabled)
        {
            _telemetry.EndToEnd!.Record(endToEndSeconds, in _tags);
            if (timePerOutputTokenSeconds is double perToken)
            {
                _telemetry.TimePerOutputToken!.Record(perToken, in _tags);
            }
            _telemetry.RequestSuccess!.Add(1, reason switch
            {
                FinishReason.Stop => _stop,
                FinishReason.Length => _length,
                _ => _abort,
            });
        }
    }

    /// <summary>Stops publishing the gauges (the replica unloaded).</summary>
    public void Dispose() => _telemetry.Detach(this);

    private static TagList With(TagList tags, string finishedReason)
    {
        TagList copy = tags;
        copy.Add("finished_reason", finishedReason);
        return copy;
    }
}
