using System.Diagnostics;
using System.Globalization;
using ActorAI.Abstractions.Serving;
using ActorAI.Grains.Diagnostics;
using static ActorAI.Benchmarks.ServingBenchmark;

namespace ActorAI.Benchmarks;

/// <summary>
/// What metrics cost a serving silo: the same streamed load on a silo with <c>Telemetry:Metrics=true</c> (instruments
/// recorded per token, a listener aggregating them) and on one with <c>false</c> (no instrument is created, nothing
/// listens), both in this process and taking turns, over several rounds whose halves swap order, so that the machine's
/// drift falls on both sides; then the time of a <c>/metrics</c> scrape after the traffic. The "on" silo's exporter
/// hears only meters of its own host, so the idle "off" silo costs it nothing and it costs the "off" silo nothing.
/// </summary>
public static class MetricsBenchmark
{
    /// <summary>
    /// Runs the comparison on <paramref name="checkpoint"/> and prints one line per round, then
    /// <c>metrics_on_tokens_per_s</c> and <c>metrics_off_tokens_per_s</c> (medians over the rounds),
    /// <c>metrics_scrape_ms</c> (median of the scrapes), and last <c>metrics_throughput_ratio</c>: the median over rounds
    /// of on ÷ off within the round, whose halves ran back to back (the goal is at least 0.98).
    /// </summary>
    /// <param name="checkpoint">A GPT checkpoint (safetensors, byte tokenizer).</param>
    /// <param name="tokens">Tokens per request (end-of-text ignored, so every request generates exactly this many).</param>
    /// <param name="rounds">On/off pairs; each pair flips the order of the previous one.</param>
    /// <param name="concurrency">Requests in flight.</param>
    /// <param name="requests">Requests per half round.</param>
    /// <param name="scrapes">Scrapes of <c>/metrics</c> after the traffic.</param>
    /// <param name="control">An A/A control: the first silo runs with metrics off too, so the ratio shows what this
    /// machine's noise and the silos' start order alone make of "no difference" (no scrape, no recording figures).</param>
    public static async Task RunAsync(string checkpoint, int tokens = 64, int rounds = 8, int concurrency = 8, int requests = 32, int scrapes = 20, bool control = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpoint);
        var on = new List<double>();
        var off = new List<double>();
        var ratios = new List<double>();
        var nsOn = new List<double>();
        var nsOff = new List<double>();
        var scrapeMs = new List<double>();
        // Two sessions with the silos started in opposite orders: an A/A run (--control) showed the silo started first
        // running a few percent slower whatever its settings, so each side is first in half of the rounds.
        foreach (bool onFirst in new[] { true, false })
        {
            string onSetting = $"--Telemetry:Metrics={(control ? "false" : "true")}";
            BenchSilo first = await BenchSilo.StartAsync(checkpoint, onFirst ? onSetting : "--Telemetry:Metrics=false", $"--Silo:ClusterId=bench-metrics-{on.Count}-a");
            BenchSilo second = await BenchSilo.StartAsync(checkpoint, onFirst ? "--Telemetry:Metrics=false" : onSetting, $"--Silo:ClusterId=bench-metrics-{on.Count}-b");
            try
            {
                BenchSilo metricsOn = onFirst ? first : second, metricsOff = onFirst ? second : first;
                // Warm-up: JIT, replica load and first batches on both.
                await metricsOn.RunAsync(concurrency, requests, tokens);
                await metricsOff.RunAsync(concurrency, requests, tokens);
                for (int round = 0; round < (rounds + 1) / 2; round++)
                {
                    bool[] order = round % 2 == 0 ? [true, false] : [false, true];
                    foreach (bool metrics in order)
                    {
                        LoadResult result = await (metrics ? metricsOn : metricsOff).RunAsync(concurrency, requests, tokens);
                        (metrics ? on : off).Add(result.TokensPerSecond);
                    }
                    ratios.Add(on[^1] / off[^1]);
                    Print($"metrics_round{ratios.Count}", string.Create(CultureInfo.InvariantCulture,
                        $"on={on[^1]:0.#} off={off[^1]:0.#} ratio={ratios[^1]:0.###} on_started={(onFirst ? "first" : "second")}"));
                }
                if (!control)
                {
                    for (int i = 0; i < scrapes / 2; i++)
                    {
                        scrapeMs.Add(await metricsOn.ScrapeAsync());
                    }
                    // The same cost without the HTTP and decode noise: what recording one token costs the decode thread
                    // (the replica's window alone when off; the window, the instruments and the exporter when on).
                    for (int i = 0; i < 3; i++)
                    {
                        nsOn.Add(NanosecondsPerToken(metricsOn.Service<ServingTelemetry>()));
                        nsOff.Add(NanosecondsPerToken(metricsOff.Service<ServingTelemetry>()));
                    }
                }
            }
            finally
            {
                await second.DisposeAsync();
                await first.DisposeAsync();
            }
        }
        if (control)
        {
            Print("metrics_control_ratio_min", ratios.Min());
            Print("metrics_control_ratio_max", ratios.Max());
            Print("metrics_control_ratio", Median(ratios));
            return;
        }
        double extraNs = Median(nsOn) - Median(nsOff);
        Print("metrics_record_ns_per_token_on", Median(nsOn));
        Print("metrics_record_ns_per_token_off", Median(nsOff));
        Print("metrics_implied_throughput_ratio", (1 / (1 + extraNs * 1e-9 * Median(off))).ToString("0.0000", CultureInfo.InvariantCulture));
        Print("metrics_rounds", rounds);
        Print("metrics_on_tokens_per_s", Median(on));
        Print("metrics_off_tokens_per_s", Median(off));
        Print("metrics_scrape_ms", Median(scrapeMs));
        Print("metrics_throughput_ratio_min", ratios.Min());
        Print("metrics_throughput_ratio_max", ratios.Max());
        Print("metrics_throughput_ratio", Median(ratios));
    }

    /// <summary><c>actorai-bench metrics [--preset small | --checkpoint PATH] [--tokens 64] [--rounds 8] [--concurrency 8] [--requests 32]</c>.</summary>
    internal static async Task<int> RunAsync(string[] args)
    {
        string checkpoint = Arg(args, "--checkpoint") ?? RandomCheckpoint(Arg(args, "--preset") ?? "small");
        int Int(string name, int fallback) => Arg(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        if (Arg(args, "--threads") is { } threads)
        {
            Compute.Devices.ComputeDevice.SetIntraOpThreads(int.Parse(threads, CultureInfo.InvariantCulture));
        }
        await RunAsync(checkpoint, Int("--tokens", 64), Int("--rounds", 8), Int("--concurrency", 8), Int("--requests", 32), control: args.Contains("--control"));
        return 0;
    }

    private static double NanosecondsPerToken(ServingTelemetry telemetry)
    {
        const int Tokens = 1_000_000;
        var spec = new ReplicaSpec("bench-record", "bench", 1, "none", "byte", 1, 0);
        using ReplicaMetrics metrics = telemetry.ForReplica(spec, "bench-record/0", new ServingWindow(TimeProvider.System));
        for (int i = 0; i < 10_000; i++)
        {
            metrics.OnToken(0.02);
        }
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < Tokens; i++)
        {
            metrics.OnToken(0.02);
        }
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / Tokens;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
