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
    /// <paramref name="prompts"/> through a generator stepped on this thread (the engine's loop without its threads and
    /// channels), <paramref name="concurrency"/> requests in flight, each generating exactly <paramref name="tokens"/>
    /// tokens. Time to first token is from submission; gaps are between a request's consecutive tokens (per token).
    /// </summary>
    public static EngineLoad Drive(Gpt model, ITextTokenizer tokenizer, GenerationEngineOptions options, IReadOnlyList<string> prompts,
        int concurrency, int tokens, int seed = 1)
    {
        using var generator = new BatchedGenerator(model, tokenizer, options);
        var live = new Dictionary<long, Live>();
        var firstTokens = new List<double>();
        var gaps = new List<double>();
        int next = 0;
        long generated = 0;
        double flops = 0;
        var watch = Stopwatch.StartNew();
        while (next < prompts.Count || generator.HasWork)
        {
            while (live.Count < concurrency && next < prompts.Count)
            {
                int[] prompt = tokenizer.Encode(prompts[next]);
                long id = generator.Submit(prompt, new SamplingOptions(tokens, Temperature: 1.0, Seed: seed + next, IgnoreEndOfText: true));
                live[id] = new Live(Stopwatch.GetTimestamp(), prompt.Length);
                next++;
            }
            IReadOnlyList<GenerationEvent> events = generator.Step();
            long now = Stopwatch.GetTimestamp();
            foreach (GenerationEvent e in events)
            {
                Live request = live[e.SequenceId];
                if (e.Token >= 0)
                {
                    (request.Count == 0 ? firstTokens : gaps).Add(Stopwatch.GetElapsedTime(request.Count == 0 ? request.SubmittedAt : request.LastAt, now).TotalMilliseconds);
                    request.Count++;
                    request.LastAt = now;
                }
                if (e.Finish is not null)
                {
                    generated += request.Count;
                    flops += RequestFlops(model.Config, request.PromptTokens, request.Count);
                    live.Remove(e.SequenceId);
                }
            }
        }
        double seconds = watch.Elapsed.TotalSeconds;
        return new EngineLoad(generated / seconds, flops / seconds, ServingBenchmark.Percentiles.Of(firstTokens),
            ServingBenchmark.Percentiles.Of(gaps), generator.PrefixCacheHits, generator.PrefixCacheQueries);
    }

    private sealed class Live(long submittedAt, int promptTokens)
    {
        public long SubmittedAt { get; } = submittedAt;
        public int PromptTokens { get; } = promptTokens;
        public long LastAt { get; set; }
        public int Count { get; set; }
    }

    /// <summary>Throughput and latency of one in-process load.</summary>
    internal sealed record EngineLoad(double TokensPerSecond, double FlopsPerSecond, ServingBenchmark.Percentiles Ttft, ServingBenchmark.Percentiles Itl,
        long PrefixHits, long PrefixQueries);
}
