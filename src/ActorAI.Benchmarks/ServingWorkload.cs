using System.Diagnostics;
using System.Text;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Benchmarks;

/// <summary>
/// The serving benchmark's workload and its in-process side: a seeded mix of prompt lengths, the FLOPs a request
/// costs, and load through a <see cref="GenerationEngine"/> (the replica's engine, without Orleans or HTTP).
/// </summary>
internal static class ServingWorkload
{
    private static readonly string[] Words =
    [
        "the", "of", "and", "a", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on", "are", "as", "with",
        "his", "they", "at", "be", "this", "have", "from", "or", "one", "had", "by", "word", "but", "not", "what", "all",
        "were", "we", "when", "your", "can", "said", "there", "use", "an", "each", "which", "she", "do", "how", "their",
        "if", "will", "up", "other", "about", "out", "many", "then", "them", "these", "so", "some", "her", "would",
        "make", "like", "him", "into", "time", "has", "look", "two", "more", "write", "go", "see", "number", "no", "way",
        "could", "people", "my", "than", "first", "water", "been", "call", "who", "oil", "its", "now", "find", "long",
    ];

    /// <summary>
    /// <paramref name="count"/> English-like prompts whose lengths (in byte tokens) are spread log-uniformly between
    /// <paramref name="shortest"/> and <paramref name="longest"/>, as chat and retrieval prompts are: many short, a
    /// long tail. Seeded, so every side of the benchmark sees the same prompts.
    /// </summary>
    public static string[] PromptMix(int count, int shortest, int longest, int seed)
    {
        var random = new Random(seed);
        var prompts = new string[count];
        for (int i = 0; i < count; i++)
        {
            int length = (int)Math.Round(shortest * Math.Pow((double)longest / shortest, random.NextDouble()));
            prompts[i] = Text(random, length);
        }
        return prompts;
    }

    /// <summary>ASCII words, exactly <paramref name="length"/> characters (one byte token each).</summary>
    public static string Text(Random random, int length)
    {
        var text = new StringBuilder(length + 8);
        while (text.Length < length)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(' ');
        }
        return text.ToString(0, length);
    }

    /// <summary>
    /// FLOPs of serving one request: every prompt token and every generated token but the last goes through the
    /// layers (2 × weights each, plus attention over the positions before it); each generated token costs the output
    /// head once.
    /// </summary>
    public static double RequestFlops(GptConfig config, int promptTokens, int generatedTokens)
    {
        long c = config.Embedding;
        double layerWeights = config.Layers * (12.0 * c * c);
        double head = (double)config.VocabularySize * c;
        int computed = promptTokens + Math.Max(0, generatedTokens - 1);
        // Attention at position p: scores and weighted values over p + 1 positions, 2 × 2 × C FLOPs each, per layer.
        double attention = 4.0 * c * config.Layers * ((double)computed * (computed + 1) / 2);
        return (2 * layerWeights * computed) + (2 * head * generatedTokens) + attention;
    }

    /// <summary>
    /// <paramref name="prompts"/> through an engine, <paramref name="concurrency"/> requests at a time, each generating
    /// exactly <paramref name="tokens"/> tokens. Times to first token and gaps between tokens come from the engine's
    /// observer (per token, not per network chunk).
    /// </summary>
    public static async Task<EngineLoad> RunAsync(Gpt model, ITextTokenizer tokenizer, GenerationEngineOptions options, IReadOnlyList<string> prompts,
        int concurrency, int tokens, int seed = 1)
    {
        var observer = new Observer();
        using var engine = new GenerationEngine(model, tokenizer, options, "bench-engine", observer);
        int next = -1;
        long generated = 0;
        double flops = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < prompts.Count)
            {
                int[] prompt = tokenizer.Encode(prompts[i]);
                int count = await GenerateAsync(engine, prompt, new SamplingOptions(tokens, Temperature: 1.0, Seed: seed + i, IgnoreEndOfText: true));
                Interlocked.Add(ref generated, count);
                lock (observer)
                {
                    flops += RequestFlops(model.Config, prompt.Length, count);
                }
            }
        })));
        double seconds = watch.Elapsed.TotalSeconds;
        return new EngineLoad(generated / seconds, flops / seconds, ServingBenchmark.Percentiles.Of(observer.FirstTokens),
            ServingBenchmark.Percentiles.Of(observer.Gaps), engine.PrefixCacheHits, engine.PrefixCacheQueries);
    }

    /// <summary>One request through an engine; returns the tokens generated.</summary>
    public static async Task<int> GenerateAsync(GenerationEngine engine, int[] prompt, SamplingOptions options)
    {
        using GenerationStream stream = engine.TrySubmit(prompt, options) ?? throw new InvalidOperationException("the benchmark engine refused a request");
        int count = 0;
        await foreach (GenerationEvent e in stream.Events.ReadAllAsync())
        {
            count += e.Token >= 0 ? 1 : 0;
        }
        return count;
    }

    /// <summary>Throughput and latency of one in-process load.</summary>
    internal sealed record EngineLoad(double TokensPerSecond, double FlopsPerSecond, ServingBenchmark.Percentiles Ttft, ServingBenchmark.Percentiles Itl,
        long PrefixHits, long PrefixQueries);

    /// <summary>Collects the engine's per-request first-token times and per-token gaps, in milliseconds.</summary>
    internal sealed class Observer : IGenerationObserver
    {
        private readonly List<double> _firstTokens = [];
        private readonly List<double> _gaps = [];

        public IReadOnlyList<double> FirstTokens
        {
            get
            {
                lock (_firstTokens)
                {
                    return [.. _firstTokens];
                }
            }
        }

        public IReadOnlyList<double> Gaps
        {
            get
            {
                lock (_gaps)
                {
                    return [.. _gaps];
                }
            }
        }

        public void OnFirstToken(int promptTokens, double queueSeconds, double timeToFirstTokenSeconds)
        {
            lock (_firstTokens)
            {
                _firstTokens.Add(timeToFirstTokenSeconds * 1000);
            }
        }

        public void OnToken(double interTokenSeconds)
        {
            lock (_gaps)
            {
                _gaps.Add(interTokenSeconds * 1000);
            }
        }

        public void OnFinished(FinishReason reason, int promptTokens, int generatedTokens, double endToEndSeconds, double? timePerOutputTokenSeconds)
        {
        }
    }
}
