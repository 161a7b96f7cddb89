namespace ActorAI.Abstractions.Serving;

/// <summary>
/// A latency histogram over fixed bucket upper bounds (seconds; the last bound is +∞), as Prometheus keeps them.
/// Histograms with the same bounds add up, so a deployment's figure is the sum of its replicas'.
/// </summary>
/// <param name="UpperBounds">Bucket upper bounds in seconds, ascending; counts are per bucket, not cumulative.</param>
/// <param name="Counts">Observations per bucket; one more entry than <paramref name="UpperBounds"/> (the +∞ bucket).</param>
/// <param name="Sum">Sum of the observations in seconds.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.LatencyHistogram")]
public sealed record LatencyHistogram(
    [property: Id(0)] IReadOnlyList<double> UpperBounds,
    [property: Id(1)] IReadOnlyList<long> Counts,
    [property: Id(2)] double Sum)
{
    /// <summary>Number of observations.</summary>
    public long Count => Counts.Sum();

    /// <summary>
    /// The <paramref name="q"/>-quantile (0..1), interpolated linearly inside its bucket like Prometheus'
    /// <c>histogram_quantile</c>; <see langword="null"/> with no observations.
    /// </summary>
    public double? Quantile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        long total = Count;
        if (total == 0)
        {
            return null;
        }
        double rank = q * total;
        long seen = 0;
        for (int i = 0; i < Counts.Count; i++)
        {
            if (seen + Counts[i] >= rank && Counts[i] > 0)
            {
                double lower = i == 0 ? 0 : UpperBounds[i - 1];
                if (i >= UpperBounds.Count)
                {
                    return lower; // the +∞ bucket: the best known bound
                }
                double upper = UpperBounds[i];
                return lower + (upper - lower) * ((rank - seen) / Counts[i]);
            }
            seen += Counts[i];
        }
        return UpperBounds.Count > 0 ? UpperBounds[^1] : null;
    }

    /// <summary>Adds two histograms with the same bounds.</summary>
    /// <exception cref="ArgumentException">The bounds differ.</exception>
    public LatencyHistogram Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!UpperBounds.SequenceEqual(other.UpperBounds))
        {
            throw new ArgumentException("histograms with different bucket bounds cannot be added", nameof(other));
        }
        return new LatencyHistogram(UpperBounds, [.. Counts.Zip(other.Counts, (a, b) => a + b)], Sum + other.Sum);
    }
}

/// <summary>
/// What one replica served over a recent window (the replica keeps the last minute or so): the figures the dashboard
/// shows per deployment. Replicas of one deployment report the same bucket bounds, so they add up.
/// </summary>
/// <param name="Since">Start of the window.</param>
/// <param name="At">End of the window (when the figures were read).</param>
/// <param name="Requests">Requests finished in the window.</param>
/// <param name="Errors">Requests that ended in an error in the window.</param>
/// <param name="PromptTokens">Prompt tokens prefilled in the window.</param>
/// <param name="GenerationTokens">Tokens generated in the window.</param>
/// <param name="TimeToFirstToken">Time to first token of the window's requests.</param>
/// <param name="InterToken">Inter-token latency of the window's tokens.</param>
/// <param name="EndToEnd">End-to-end latency of the window's requests.</param>
/// <param name="Running">Requests decoding when read.</param>
/// <param name="Waiting">Requests queued when read.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ServingStats")]
public sealed record ServingStats(
    [property: Id(0)] DateTimeOffset Since,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] long Requests,
    [property: Id(3)] long Errors,
    [property: Id(4)] long PromptTokens,
    [property: Id(5)] long GenerationTokens,
    [property: Id(6)] LatencyHistogram TimeToFirstToken,
    [property: Id(7)] LatencyHistogram InterToken,
    [property: Id(8)] LatencyHistogram EndToEnd,
    [property: Id(9)] int Running,
    [property: Id(10)] int Waiting)
{
    /// <summary>Length of the window in seconds (at least a millisecond).</summary>
    public double WindowSeconds => Math.Max((At - Since).TotalSeconds, 0.001);

    /// <summary>Finished requests per second over the window.</summary>
    public double RequestsPerSecond => Requests / WindowSeconds;

    /// <summary>Generated tokens per second over the window.</summary>
    public double TokensPerSecond => GenerationTokens / WindowSeconds;

    /// <summary>Errors as a fraction of finished requests (0 with none).</summary>
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    /// <summary>Two replicas' figures added up: the union of their windows, summed counts and histograms.</summary>
    /// <exception cref="ArgumentException">The histograms' bucket bounds differ.</exception>
    public ServingStats Add(ServingStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new ServingStats(
            Since < other.Since ? Since : other.Since,
            At > other.At ? At : other.At,
            Requests + other.Requests,
            Errors + other.Errors,
            PromptTokens + other.PromptTokens,
            GenerationTokens + other.GenerationTokens,
            TimeToFirstToken.Add(other.TimeToFirstToken),
            InterToken.Add(other.InterToken),
            EndToEnd.Add(other.EndToEnd),
            Running + other.Running,
            Waiting + other.Waiting);
    }
}

/// <summary>A deployment's serving figures: each ready replica's and their sum.</summary>
/// <param name="Deployment">The deployment.</param>
/// <param name="Replicas">Per replica id; replicas that did not answer are left out.</param>
/// <param name="Total">The replicas' figures added up; <see langword="null"/> when none answered.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.DeploymentStats")]
public sealed record DeploymentStats(
    [property: Id(0)] string Deployment,
    [property: Id(1)] IReadOnlyDictionary<string, ServingStats> Replicas,
    [property: Id(2)] ServingStats? Total);
