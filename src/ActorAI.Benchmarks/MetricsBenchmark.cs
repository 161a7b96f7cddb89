using System.Globalization;
using static ActorAI.Benchmarks.ServingBenchmark;

namespace ActorAI.Benchmarks;

/// <summary>
/// What metrics cost a serving silo: the same streamed load on a silo with <c>Telemetry:Metrics=true</c> (instruments
/// recorded per token, a listener aggregating them) and one with <c>false</c> (no instrument is created, nothing listens),
/// in alternating rounds so that the machine's drift falls on both sides; then the time of a <c>/metrics</c> scrape after
/// the traffic. One silo lives at a time, so the "off" silo's meters are never heard by the "on" silo's listener.
/// </summary>
public static class MetricsBenchmark
{
    /// <summary>
    /// Runs the comparison on <paramref name="checkpoint"/> and prints <c>metrics_on_tokens_per_s</c>,
    /// <c>metrics_off_tokens_per_s</c> (medians over the rounds), <c>metrics_scrape_ms</c> (median of the scrapes) and
    /// <c>metrics_throughput_ratio</c> (on ÷ off; the goal is at least 0.98), after one line per round.
    /// </summary>
    /// <param name="checkpoint">A GPT checkpoint (safetensors, byte tokenizer).</param>
    /// <param name="tokens">Tokens per request (end-of-text ignored, so every request generates exactly this many).</param>
    /// <param name="rounds">On/off pairs; each pair flips the order of the previous one.</param>
    /// <param name="concurrency">Requests in flight.</param>
    /// <param name="requests">Requests per measurement.</param>
    /// <param name="scrapes">Scrapes of <c>/metrics</c> per "on" round.</param>
    public static async Task RunAsync(string checkpoint, int tokens = 64, int rounds = 3, int concurrency = 8, int requests = 24, int scrapes = 10)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpoint);
        var on = new List<double>();
        var off = new List<double>();
        var scrapeMs = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            bool[] order = round % 2 == 0 ? [true, false] : [false, true];
            foreach (bool metrics in order)
            {
                await using BenchSilo silo = await BenchSilo.StartAsync(checkpoint, $"--Telemetry:Metrics={(metrics ? "true" : "false")}");
                await silo.RunAsync(concurrency, concurrency, tokens); // warm-up: JIT, replica load, first batches
                LoadResult result = await silo.RunAsync(concurrency, requests, tokens);
                (metrics ? on : off).Add(result.TokensPerSecond);
                Print($"metrics_round{round + 1}_{(metrics ? "on" : "off")}_tokens_per_s", result.TokensPerSecond);
                if (metrics)
                {
                    for (int i = 0; i < scrapes; i++)
                    {
                        scrapeMs.Add(await silo.ScrapeAsync());
                    }
                }
            }
        }
        double onMedian = Median(on), offMedian = Median(off);
        Print("metrics_rounds", rounds);
        Print("metrics_on_tokens_per_s", onMedian);
        Print("metrics_off_tokens_per_s", offMedian);
        Print("metrics_scrape_ms", Median(scrapeMs));
        Print("metrics_throughput_ratio", onMedian / offMedian);
    }

    /// <summary><c>actorai-bench metrics [--preset small | --checkpoint PATH] [--tokens 64] [--rounds 3] [--concurrency 8] [--requests 24]</c>.</summary>
    internal static async Task<int> RunAsync(string[] args)
    {
        string checkpoint = Arg(args, "--checkpoint") ?? RandomCheckpoint(Arg(args, "--preset") ?? "small");
        int Int(string name, int fallback) => Arg(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        if (Arg(args, "--threads") is { } threads)
        {
            Compute.Devices.ComputeDevice.SetIntraOpThreads(int.Parse(threads, CultureInfo.InvariantCulture));
        }
        await RunAsync(checkpoint, Int("--tokens", 64), Int("--rounds", 3), Int("--concurrency", 8), Int("--requests", 24));
        return 0;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
