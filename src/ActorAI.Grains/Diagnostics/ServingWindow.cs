using ActorAI.Abstractions.Serving;

namespace ActorAI.Grains.Diagnostics;

/// <summary>
/// A replica's serving figures over the last <see cref="Length"/>: a ring of one-second buckets, each holding counts and
/// latency histograms over <see cref="ServingBuckets"/>. A bucket is reused (cleared) when its second comes round again,
/// so memory is fixed and recording is a few additions under an uncontended lock.
/// </summary>
public sealed class ServingWindow
{
    /// <summary>How far back <see cref="Snapshot"/> looks.</summary>
    public static readonly TimeSpan Length = TimeSpan.FromSeconds(60);

    private const int Slots = 60;
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _createdAt;
    private readonly Second[] _ring = new Second[Slots];
    private readonly Lock _lock = new();

    /// <summary>An empty window that starts now.</summary>
    public ServingWindow(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _createdAt = clock.GetUtcNow();
        for (int i = 0; i < Slots; i++)
        {
            _ring[i] = new Second();
        }
    }

    /// <summary>A request's first token (<paramref name="promptTokens"/> prefilled).</summary>
    public void RecordFirstToken(int promptTokens, double timeToFirstTokenSeconds)
    {
        lock (_lock)
        {
            Second s = Current();
            s.PromptTokens += promptTokens;
            s.GenerationTokens++;
            s.Ttft.Add(timeToFirstTokenSeconds);
        }
    }

    /// <summary>A later token of a request.</summary>
    public void RecordToken(double interTokenSeconds)
    {
        lock (_lock)
        {
            Second s = Current();
            s.GenerationTokens++;
            s.Itl.Add(interTokenSeconds);
        }
    }

    /// <summary>A request that finished (any finish reason).</summary>
    public void RecordFinished(double endToEndSeconds)
    {
        lock (_lock)
        {
            Second s = Current();
            s.Requests++;
            s.EndToEnd.Add(endToEndSeconds);
        }
    }

    /// <summary>A request that ended in an error (it counts as a finished request too).</summary>
    public void RecordError()
    {
        lock (_lock)
        {
            Second s = Current();
            s.Requests++;
            s.Errors++;
        }
    }

    /// <summary>The figures of the last <see cref="Length"/> (less while the window is younger).</summary>
    public ServingStats Snapshot(int running, int waiting)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        long second = now.ToUnixTimeSeconds();
        var total = new Second();
        lock (_lock)
        {
            foreach (Second s in _ring)
            {
                if (s.At > second - Slots && s.At <= second)
                {
                    total.AddFrom(s);
                }
            }
        }
        DateTimeOffset since = now - Length > _createdAt ? now - Length : _createdAt;
        return new ServingStats(since, now, total.Requests, total.Errors, total.PromptTokens, total.GenerationTokens,
            total.Ttft.ToHistogram(), total.Itl.ToHistogram(), total.EndToEnd.ToHistogram(), running, waiting);
    }

    private Second Current()
    {
        long second = _clock.GetUtcNow().ToUnixTimeSeconds();
        Second s = _ring[(int)(second % Slots)];
        if (s.At != second)
        {
            s.Reset(second);
        }
        return s;
    }

    private sealed class Second
    {
        public long At { get; private set; } = long.MinValue;
        public long Requests { get; set; }
        public long Errors { get; set; }
        public long PromptTokens { get; set; }
        public long GenerationTokens { get; set; }
        public Buckets Ttft { get; } = new(ServingBuckets.TimeToFirstToken);
        public Buckets Itl { get; } = new(ServingBuckets.InterToken);
        public Buckets EndToEnd { get; } = new(ServingBuckets.RequestLatency);

        public void Reset(long at)
        {
            At = at;
            Requests = Errors = PromptTokens = GenerationTokens = 0;
            Ttft.Clear();
            Itl.Clear();
            EndToEnd.Clear();
        }

        public void AddFrom(Second other)
        {
            Requests += other.Requests;
            Errors += other.Errors;
            PromptTokens += other.PromptTokens;
            GenerationTokens += other.GenerationTokens;
            Ttft.AddFrom(other.Ttft);
            Itl.AddFrom(other.Itl);
            EndToEnd.AddFrom(other.EndToEnd);
        }
    }

    private sealed class Buckets(IReadOnlyList<double> bounds)
    {
        private readonly long[] _counts = new long[bounds.Count + 1];
        private double _sum;

        public void Add(double value)
        {
            _counts[ServingBuckets.IndexOf(bounds, value)]++;
            _sum += value;
        }

        public void AddFrom(Buckets other)
        {
            for (int i = 0; i < _counts.Length; i++)
            {
                _counts[i] += other._counts[i];
            }
            _sum += other._sum;
        }

        public void Clear()
        {
            Array.Clear(_counts);
            _sum = 0;
        }

        public LatencyHistogram ToHistogram() => new(bounds, [.. _counts], _sum);
    }
}
