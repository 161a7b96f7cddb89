using ActorAI.Compute.Models;
using ActorAI.Compute.Pipeline;

namespace ActorAI.Grains.Serving.Pipeline;

/// <summary>
/// What a pipeline's stages ask of their silos and of the coordinator: pure functions of the model's shape and the
/// KV-cache budget.
/// </summary>
internal static class PipelinePlanner
{
    /// <summary>Positions of a replica's KV-cache budget: KvCacheTokens, or max_batch × context.</summary>
    public static long CachePositions(int? kvCacheTokens, int maxBatch, int contextLength) => kvCacheTokens ?? (long)maxBatch * contextLength;

    /// <summary>KV-cache blocks of a replica's budget, in blocks.</summary>
    public static int CacheBlocks(int? kvCacheTokens, int maxBatch, int blockSize, int contextLength) =>
        (int)Math.Min(int.MaxValue / 2, (CachePositions(kvCacheTokens, maxBatch, contextLength) + blockSize - 1) / blockSize);

    /// <summary>Bytes a serving stage needs: its weights and its share of the KV-cache budget (float32).</summary>
    public static long ServingStageBytes(GptConfig config, StageRange range, long cachePositions) =>
        (PipelinePartition.ParameterCount(config, range) * sizeof(float)) + (cachePositions * PipelinePartition.KvBytesPerPosition(config, range));
}
