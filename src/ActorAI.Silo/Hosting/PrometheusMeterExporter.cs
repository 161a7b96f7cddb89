using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace ActorAI.Silo.Hosting;

/// <summary>
/// Aggregates the measurements of the named meters (a <see cref="MeterListener"/>) and writes them in the Prometheus text
/// exposition format (0.0.4). Counters sum, gauges keep the last value, histograms count into the instrument's advised
/// bucket bounds. An instrument whose name is already a Prometheus name — ActorAI's <c>actorai:</c> names, colon kept —
/// is written as is; any other (OpenTelemetry style, <c>http.server.request.duration</c> in seconds) is sanitized and
/// given its unit and <c>_total</c> suffixes (<c>http_server_request_duration_seconds</c>).
/// </summary>
/// <remarks>
/// Why not a library: the colon is legal in Prometheus names and vLLM's metrics use it, but both exporters on the feed
/// refuse it. The OpenTelemetry SDK drops instruments whose names fail <c>^[a-z][a-z0-9-._/]{0,254}$</c> (so
/// OpenTelemetry.Exporter.Prometheus.AspNetCore, prerelease anyway, never sees them), and prometheus-net 8.2.1 (stable)
/// rejects metric names outside <c>^[a-zA-Z_][a-zA-Z0-9_]*$</c>, its MeterAdapter rewriting ':' to '_'. Recording stays on
/// System.Diagnostics.Metrics; this class only aggregates and prints.
/// </remarks>
internal sealed class PrometheusMeterExporter : IDisposable
{
    // OpenTelemetry's default explicit bounds, for histograms that advise none.
    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener = new();
    private readonly HashSet<string> _meters;
    private readonly Dictionary<Instrument, InstrumentState> _instruments = [];
    private readonly Lock _lock = new();
    private readonly Lock _scrape = new();

    /// <param name="meters">Names of the meters to export.</param>
    /// <param name="scope">This host's meter factory: meters another host of the process created (another silo in a
    /// test or a benchmark) are left out; meters created without a factory are taken.</param>
    public PrometheusMeterExporter(IEnumerable<string> meters, IMeterFactory? scope = null)
    {
        _meters = new HashSet<string>(meters, StringComparer.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.Contains(instrument.Meter.Name) && (instrument.Meter.Scope is null || scope is null || ReferenceEquals(instrument.Meter.Scope, scope)))
            {
                var state = new InstrumentState(instrument);
                lock (_lock)
                {
                    _instruments[instrument] = state;
                }
                listener.EnableMeasurementEvents(instrument, state);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            lock (_lock)
            {
                _instruments.Remove(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>((_, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>((_, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>((_, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>((_, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<byte>((_, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>((_, v, tags, s) => ((InstrumentState)s!).Record((double)v, tags));
        _listener.Start();
    }

    /// <summary>Collects the observable instruments and writes every series.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            return ScrapeLocked();
        }
    }

    private string ScrapeLocked()
    {
        InstrumentState[] states;
        lock (_lock)
        {
            states = [.. _instruments.Values];
        }
        // Observable instruments report what exists now: series of a replica that unloaded disappear.
        foreach (InstrumentState state in states.Where(s => s.Observable))
        {
            state.Clear();
        }
        _listener.RecordObservableInstruments();
        var text = new StringBuilder(64 * 1024);
        // Meters of the same name (one per host's meter factory) share a family: one HELP/TYPE header.
        foreach (IGrouping<string, InstrumentState> family in states.GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            InstrumentState first = family.First();
            if (!string.IsNullOrEmpty(first.Help))
            {
                text.Append("# HELP ").Append(family.Key).Append(' ').Append(EscapeHelp(first.Help)).Append('\n');
            }
            text.Append("# TYPE ").Append(family.Key).Append(' ').Append(first.Type).Append('\n');
            foreach (InstrumentState state in family)
            {
                state.Write(text);
            }
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private enum Kind { Counter, Sum, Gauge, Histogram, ObservedCounter, ObservedGauge }

    private sealed class InstrumentState
    {
        private readonly Kind _kind;
        private readonly double[] _bounds = [];
        private readonly Dictionary<int, List<Series>> _series = [];
        private readonly Lock _lock = new();
        // The series recorded last: a replica's decode thread records one label set over and over, with the same string
        // instances (a pre-built TagList), so the comparison below usually succeeds on references without hashing.
        private Series? _last;

        public InstrumentState(Instrument instrument)
        {
            Type t = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
            _kind = t == typeof(Counter<>) ? Kind.Counter
                : t == typeof(UpDownCounter<>) ? Kind.Sum
                : t == typeof(Histogram<>) ? Kind.Histogram
                : t == typeof(ObservableCounter<>) ? Kind.ObservedCounter
                : t == typeof(ObservableGauge<>) || t == typeof(ObservableUpDownCounter<>) ? Kind.ObservedGauge
                : Kind.Gauge;
            if (_kind == Kind.Histogram)
            {
                _bounds = AdvisedBounds(instrument) ?? DefaultBounds;
            }
            Help = instrument.Description ?? "";
            Name = PrometheusName(instrument.Name, instrument.Unit, _kind is Kind.Counter or Kind.ObservedCounter);
        }

        public string Name { get; }
        public string Help { get; }
        public bool Observable => _kind is Kind.ObservedCounter or Kind.ObservedGauge;
        public string Type => _kind switch
        {
            Kind.Counter or Kind.ObservedCounter => "counter",
            Kind.Histogram => "histogram",
            _ => "gauge",
        };

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_lock)
            {
                Series series = Find(tags);
                switch (_kind)
                {
                    case Kind.Counter or Kind.Sum:
                        series.Value += value;
                        break;
                    case Kind.Histogram:
                        int i = 0;
                        while (i < _bounds.Length && value > _bounds[i])
                        {
                            i++;
                        }
                        series.Counts![i]++;
                        series.Value += value;
                        break;
                    default:
                        series.Value = value;
                        break;
                }
            }
        }

        public void Clear()
        {
            lock (_lock)
            {
                _series.Clear();
                _last = null;
            }
        }

        public void Write(StringBuilder text)
        {
            lock (_lock)
            {
                foreach (Series series in _series.Values.SelectMany(s => s))
                {
                    if (_kind != Kind.Histogram)
                    {
                        Sample(text, Name, series.Labels, null).Append(Number(series.Value)).Append('\n');
                        continue;
                    }
                    long cumulative = 0;
                    for (int i = 0; i <= _bounds.Length; i++)
                    {
                        cumulative += series.Counts![i];
                        Sample(text, Name + "_bucket", series.Labels, i < _bounds.Length ? Number(_bounds[i]) : "+Inf")
                            .Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    }
                    Sample(text, Name + "_sum", series.Labels, null).Append(Number(series.Value)).Append('\n');
                    Sample(text, Name + "_count", series.Labels, null).Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        private static StringBuilder Sample(StringBuilder text, string name, string labels, string? le)
        {
            text.Append(name);
            if (labels.Length > 0 || le is not null)
            {
                text.Append('{').Append(labels);
                if (le is not null)
                {
                    text.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
                }
                text.Append('}');
            }
            return text.Append(' ');
        }

        // Found without allocating once the series exists: a hash of the tags, then an exact comparison.
        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (_last is { } last && last.Matches(tags))
            {
                return last;
            }
            _last = FindOrAdd(tags);
            return _last;
        }

        private Series FindOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var hash = new HashCode();
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                hash.Add(tag.Key);
                hash.Add(tag.Value);
            }
            int key = hash.ToHashCode();
            if (!_series.TryGetValue(key, out List<Series>? bucket))
            {
                _series[key] = bucket = [];
            }
            foreach (Series candidate in bucket)
            {
                if (candidate.Matches(tags))
                {
                    return candidate;
                }
            }
            var created = new Series(tags, _kind == Kind.Histogram ? _bounds.Length + 1 : 0);
            bucket.Add(created);
            return created;
        }

        private static double[]? AdvisedBounds(Instrument instrument) => instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
    }

    private sealed class Series
    {
        private readonly KeyValuePair<string, object?>[] _tags;

        public Series(ReadOnlySpan<KeyValuePair<string, object?>> tags, int buckets)
        {
            _tags = tags.ToArray();
            Counts = buckets > 0 ? new long[buckets] : null;
            Labels = string.Join(",", _tags.Select(t => $"{LabelName(t.Key)}=\"{LabelValue(t.Value)}\""));
        }

        public string Labels { get; }
        public long[]? Counts { get; }
        public double Value { get; set; }

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != _tags.Length)
            {
                return false;
            }
            for (int i = 0; i < tags.Length; i++)
            {
                if (!string.Equals(tags[i].Key, _tags[i].Key, StringComparison.Ordinal) || !Equals(tags[i].Value, _tags[i].Value))
                {
                    return false;
                }
            }
            return true;
        }

        private static string LabelValue(object? value) =>
            (Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")
                .Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>The name as Prometheus sees it: kept when already valid and suffixed; else sanitized, with unit and
    /// <c>_total</c> suffixes the way OpenTelemetry's Prometheus mapping adds them.</summary>
    internal static string PrometheusName(string name, string? unit, bool counter)
    {
        var sanitized = new StringBuilder(name.Length + 16);
        foreach (char c in name)
        {
            sanitized.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }
        if (sanitized.Length == 0 || char.IsAsciiDigit(sanitized[0]))
        {
            sanitized.Insert(0, '_');
        }
        string result = sanitized.ToString();
        string? suffix = unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            _ => null,
        };
        if (suffix is not null && !result.EndsWith("_" + suffix, StringComparison.Ordinal) && !result.Contains("_" + suffix + "_", StringComparison.Ordinal))
        {
            result += "_" + suffix;
        }
        if (counter && !result.EndsWith("_total", StringComparison.Ordinal))
        {
            result += "_total";
        }
        return result;
    }

    private static string LabelName(string key)
    {
        var name = new StringBuilder(key.Length);
        foreach (char c in key)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }
        return name.Length > 0 && char.IsAsciiDigit(name[0]) ? "_" + name : name.ToString();
    }
}
