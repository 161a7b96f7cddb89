using ActorAI.Compute.Models;

namespace ActorAI.Compute.Pipeline;

/// <summary>
/// Stage <see cref="Index"/> of <see cref="Count"/>: the blocks <see cref="FirstLayer"/>..<see cref="EndLayer"/>-1 of a
/// GPT. The first stage also holds the embeddings; the last the final norm and the head (and, when the head is tied
/// and the pipeline has several stages, its own copy of the token embedding for the head).
/// </summary>
public sealed record StageRange(int Index, int Count, int FirstLayer, int EndLayer)
{
    /// <summary>Holds the token and position embeddings.</summary>
    public bool First => Index == 0;

    /// <summary>Holds the final norm and the head.</summary>
    public bool Last => Index == Count - 1;

    /// <summary>Blocks in this stage.</summary>
    public int Layers => EndLayer - FirstLayer;

    /// <summary>Whether this stage holds <c>transformer.wte.weight</c>: the first stage, and a last stage with a tied head.</summary>
    public bool HoldsTokenEmbedding(GptConfig config) => First || (Last && config.TiedHead);
}

/// <summary>How a GPT is split into pipeline stages: contiguous runs of blocks, balanced by parameters.</summary>
public static class PipelinePartition
{
    /// <summary>
    /// Splits <paramref name="config"/>'s blocks into <paramref name="stages"/> contiguous runs of at least one block,
    /// so that the largest stage is as small as it can be: its weights (the embeddings with the first stage, the head
    /// with the last) and, for serving, the keys and values of <paramref name="cachePositions"/> cached positions in
    /// each of its blocks — which, with a long KV budget, outweigh the embeddings.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="stages"/> is below 1 or above the model's blocks.</exception>
    public static IReadOnlyList<StageRange> Split(GptConfig config, int stages, long cachePositions = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (stages < 1 || stages > config.Layers)
        {
            throw new ArgumentException($"stages must be between 1 and the model's {config.Layers} blocks (was {stages})", nameof(stages));
        }
        int layers = config.Layers;
        ArgumentOutOfRangeException.ThrowIfNegative(cachePositions);
        long block = BlockParameters(config) + (cachePositions * 2 * config.Embedding); // in float32 elements
        long head = HeadParameters(config, stages);
        long embeddings = EmbeddingParameters(config);
        // best[s, l]: the smallest possible largest stage when the first l blocks form s stages; cut[s, l] where the last begins.
        var best = new long[stages + 1, layers + 1];
        var cut = new int[stages + 1, layers + 1];
        for (int s = 0; s <= stages; s++)
        {
            for (int l = 0; l <= layers; l++)
            {
                best[s, l] = long.MaxValue;
            }
        }
        best[0, 0] = 0;
        for (int s = 1; s <= stages; s++)
        {
            for (int l = s; l <= layers - (stages - s); l++)
            {
                for (int from = s - 1; from < l; from++)
                {
                    if (best[s - 1, from] == long.MaxValue)
                    {
                        continue;
                    }
                    long size = (l - from) * block + (s == 1 ? embeddings : 0) + (s == stages ? head : 0);
                    long worst = Math.Max(best[s - 1, from], size);
                    if (worst < best[s, l])
                    {
                        best[s, l] = worst;
                        cut[s, l] = from;
                    }
                }
            }
        }
        var ranges = new StageRange[stages];
        for (int s = stages, end = layers; s >= 1; s--)
        {
            int start = cut[s, end];
            ranges[s - 1] = new StageRange(s - 1, stages, start, end);
            end = start;
        }
        return ranges;
    }

    /// <summary>The parameters of <paramref name="range"/>'s stage, name and shape, in its <c>named_parameters()</c> order.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> ParameterShapes(GptConfig config, StageRange range)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(range);
        IReadOnlyList<(string Name, long[] Shape)> all = config.ParameterShapes();
        var names = new HashSet<string>(StageNames(config, range), StringComparer.Ordinal);
        return [.. all.Where(p => names.Contains(p.Name))];
    }

    /// <summary>Parameters (elements) of <paramref name="range"/>'s stage.</summary>
    public static long ParameterCount(GptConfig config, StageRange range) =>
        ParameterShapes(config, range).Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>Bytes of one block's keys and values per cached position.</summary>
    public static long KvBytesPerPosition(GptConfig config, StageRange range, int elementSize = sizeof(float))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(range);
        return 2L * range.Layers * config.Embedding * elementSize;
    }

    private static IEnumerable<string> StageNames(GptConfig config, StageRange range)
    {
        if (range.HoldsTokenEmbedding(config))
        {
            yield return "transformer.wte.weight";
        }
        if (range.First)
        {
            yield return "transformer.wpe.weight";
        }
        for (int i = range.FirstLayer; i < range.EndLayer; i++)
        {
            foreach ((string name, _) in config.BlockShapes(i))
            {
                yield return name;
            }
        }
        if (range.Last)
        {
            yield return "transformer.ln_f.weight";
            yield return "transformer.ln_f.bias";
            yield return "lm_head.weight";
        }
    }

    private static long BlockParameters(GptConfig config) => config.BlockShapes(0).Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    private static long EmbeddingParameters(GptConfig config) => (long)(config.VocabularySize + config.ContextLength) * config.Embedding;

    // The final norm, and the head: its own matrix when untied; a copy of the token embedding when tied and split.
    private static long HeadParameters(GptConfig config, int stages) =>
        (2L * config.Embedding) + (!config.TiedHead || stages > 1 ? (long)config.VocabularySize * config.Embedding : 0);
}
