using ActorAI.Abstractions.Serving;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Compute.Pipeline;

namespace ActorAI.Grains.Serving.Pipeline;

/// <summary>
/// What a pipeline's stages ask of their silos and of the coordinator: pure functions of the model's shape and the
/// KV-cache budget.
/// </summary>
internal static class PipelinePlanner
{
    /// <summary>The engine settings a replica of <paramref name="spec"/> runs with (its KV budget included).</summary>
    public static GenerationEngineOptions EngineOptions(ReplicaSpec spec) =>
        new(spec.MaxBatch, spec.MaxQueue, spec.MaxBatchedTokens, spec.BlockSize, spec.KvCacheTokens, spec.PrefixCaching);

    /// <summary>Bytes a serving stage needs: its weights and its share of the KV-cache budget (float32).</summary>
    public static long ServingStageBytes(GptConfig config, StageRange range, long cachePositions) =>
        (PipelinePartition.ParameterCount(config, range) * sizeof(float)) + (cachePositions * PipelinePartition.KvBytesPerPosition(config, range));
}
