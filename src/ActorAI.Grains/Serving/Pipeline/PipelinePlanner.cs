using ActorAI.Compute.Models;
using ActorAI.Compute.Pipeline;

namespace ActorAI.Grains.Serving.Pipeline;

/// <summary>
/// How many stages a model needs and what each stage asks of its silo: pure functions of the model's shape, the
/// KV-cache budget and the free memory the silos advertise.
/// </summary>
internal static class PipelinePlanner
{
    /// <summary>KV-cache blocks of a replica's budget: KvCacheTokens, or max_batch × context, in blocks.</summary>
    public static int CacheBlocks(int? kvCacheTokens, int maxBatch, int blockSize, int contextLength)
    {
        long budget = kvCacheTokens ?? (long)maxBatch * contextLength;
        return (int)Math.Min(int.MaxValue / 2, (budget + blockSize - 1) / blockSize);
    }

    /// <summary>Bytes a serving stage needs: its weights and its share of the KV-cache budget (float32).</summary>
    public static long ServingStageBytes(GptConfig config, StageRange range, long cachePositions) =>
        (PipelinePartition.ParameterCount(config, range) * sizeof(float)) + (cachePositions * PipelinePartition.KvBytesPerPosition(config, range));

    /// <summary>
    /// The fewest stages (1..<paramref name="maxStages"/>) whose needs fit distinct silos of <paramref name="freeBytes"/>,
    /// or null when no split fits. A stage goes on a silo of its own, so stages ≤ silos.
    /// </summary>
    public static int? FewestStages(GptConfig config, Func<StageRange, long> need, IReadOnlyList<long> freeBytes, int maxStages)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(need);
        ArgumentNullException.ThrowIfNull(freeBytes);
        int most = Math.Min(Math.Min(maxStages, config.Layers), freeBytes.Count);
        for (int stages = 1; stages <= most; stages++)
        {
            long[] needs = [.. PipelinePartition.Split(config, stages).Select(need)];
            if (Fits(needs, freeBytes))
            {
                return stages;
            }
        }
        return null;
    }

    /// <summary>Whether each need gets a silo of its own with that much free: the largest needs take the largest silos.</summary>
    public static bool Fits(IReadOnlyList<long> needs, IReadOnlyList<long> freeBytes)
    {
        if (needs.Count > freeBytes.Count)
        {
            return false;
        }
        long[] n = [.. needs.OrderDescending()];
        long[] f = [.. freeBytes.OrderDescending()];
        return n.Select((need, i) => need <= f[i]).All(ok => ok);
    }
}
