namespace ActorAI.Grains.Diagnostics;

/// <summary>
/// vLLM's histogram bucket upper bounds (seconds, vllm/v1/metrics/loggers.py), so Grafana boards built for vLLM
/// read ActorAI's histograms unchanged.
/// </summary>
public static class ServingBuckets
{
    /// <summary><c>time_to_first_token_seconds</c>.</summary>
    public static IReadOnlyList<double> TimeToFirstToken { get; } =
        [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];

    /// <summary><c>inter_token_latency_seconds</c> and <c>request_time_per_output_token_seconds</c>.</summary>
    public static IReadOnlyList<double> InterToken { get; } =
        [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];

    /// <summary><c>e2e_request_latency_seconds</c> and <c>request_queue_time_seconds</c> (vLLM's request_latency_buckets).</summary>
    public static IReadOnlyList<double> RequestLatency { get; } =
        [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];

    /// <summary>Index of the bucket <paramref name="value"/> falls in (Prometheus' <c>le</c>: upper bounds inclusive);
    /// <c>bounds.Count</c> for the +∞ bucket.</summary>
    public static int IndexOf(IReadOnlyList<double> bounds, double value)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        for (int i = 0; i < bounds.Count; i++)
        {
            if (value <= bounds[i])
            {
                return i;
            }
        }
        return bounds.Count;
    }
}
