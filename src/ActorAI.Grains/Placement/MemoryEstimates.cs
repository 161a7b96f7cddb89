using System.Text.Json;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;

namespace ActorAI.Grains.Placement;

/// <summary>
/// The memory (bytes) each compute grain declares it needs, from the model's shape — the one place these estimates live.
/// They count the tensors that grow with the model and the batch; LibTorch's own overhead and the silo's are what
/// <c>Silo:MemoryBudget</c> leaves room for.
/// </summary>
internal static class MemoryEstimates
{
    /// <summary>Bytes per element: every tensor of training and serving is float32 today.</summary>
    public const long ElementBytes = sizeof(float);

    /// <summary>
    /// Activations kept for the backward pass per token, per layer and per unit of width, in elements: about 16 — the
    /// block's input and two layer-norm outputs (3), q, k, v and the attention output (4), the MLP's 4× hidden layer
    /// before and after GELU (8) and the residual sum (1). The attention matrix (heads × block² per row) comes on top.
    /// </summary>
    public const long ActivationFactor = 16;

    /// <summary>
    /// A replica: its weights plus its KV-cache budget — <c>KvCacheTokens</c> (default <c>MaxBatch × context</c>) positions,
    /// each a key and a value of the model width in every layer.
    /// </summary>
    public static long Replica(GptConfig config, ReplicaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(spec);
        long weights = config.ParameterCount() * ElementBytes;
        long kvTokens = Serving.Pipeline.PipelinePlanner.EngineOptions(spec).KvCachePositions(config.ContextLength);
        long kvCache = kvTokens * config.Layers * 2 * config.Embedding * ElementBytes;
        return weights + kvCache;
    }

    /// <summary>
    /// A trainer: its model, its gradients, and the flat parameter and gradient buffers it pulls into and pushes from
    /// (4 copies of the parameters), plus the activations of its rows
    /// (<c>rows × block × width × layers × <see cref="ActivationFactor"/></c> elements).
    /// </summary>
    /// <param name="config">The model.</param>
    /// <param name="rowsPerTrainer">Rows one trainer computes per step (<c>GlobalBatchRows / Workers</c>).</param>
    /// <param name="blockSize">Tokens per row (the dataset's block size).</param>
    public static long Trainer(GptConfig config, int rowsPerTrainer, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        long model = config.ParameterCount() * ElementBytes * 4;
        long activations = (long)rowsPerTrainer * blockSize * config.Embedding * config.Layers * ActivationFactor * ElementBytes;
        return model + activations;
    }

    /// <summary>
    /// A parameter shard: its slice's values, AdamW's two moments and the gradient sum (4 copies of the slice), plus one
    /// push buffer of the slice per trainer.
    /// </summary>
    /// <param name="sliceLength">Parameters in the shard's slice.</param>
    /// <param name="workers">Trainers pushing to it.</param>
    public static long ParameterShard(long sliceLength, int workers) =>
        sliceLength * ElementBytes * 4 + sliceLength * ElementBytes * workers;

    /// <summary>
    /// A pipelined replica (the coordinator): what it keeps to replay a stage that lost its cache — per cached position,
    /// the residual stream entering each stage after the first, and the token and position entering the first.
    /// </summary>
    public static long PipelineCoordinator(GptConfig config, long cachePositions, int stages)
    {
        ArgumentNullException.ThrowIfNull(config);
        return cachePositions * ((config.Embedding * ElementBytes * (stages - 1)) + (2 * sizeof(long)));
    }

    /// <summary>
    /// A pipelined trainer (the coordinator): its rows' tokens and targets, and the activations and their gradients it
    /// relays between stages (two micro-batch-sized residual streams in flight per row at most).
    /// </summary>
    public static long PipelineTrainer(GptConfig config, int rowsPerTrainer, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        long tokens = (long)rowsPerTrainer * blockSize;
        return (tokens * 2 * sizeof(long)) + (tokens * config.Embedding * ElementBytes * 2);
    }

    /// <summary>The trainer's need for a job with <paramref name="workers"/> trainers.</summary>
    public static long Trainer(GptConfig config, TrainingJobSpec spec, int workers, int blockSize) =>
        Trainer(config, spec.GlobalBatchRows / Math.Max(1, workers), blockSize);

    /// <summary>
    /// The model shape a registered version recorded in its lineage (<c>ModelLineage.Config</c>, JSON); null when it
    /// recorded none or it does not parse.
    /// </summary>
    public static GptConfig? ConfigOf(string? lineageConfig)
    {
        if (string.IsNullOrWhiteSpace(lineageConfig))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<GptConfig>(lineageConfig);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
