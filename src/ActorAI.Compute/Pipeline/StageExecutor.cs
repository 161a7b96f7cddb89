using ActorAI.Compute.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorAI.Compute.Pipeline;

/// <summary>
/// The stage side of pipeline serving: runs <see cref="StageStep"/>s through one <see cref="GptStage"/> over a KV cache
/// that holds this stage's layers only, at the pool rows its coordinator chose (the pool grows to the highest row used,
/// up to the budget). A new executor holds no keys or values its coordinator knows of, so it refuses steps with
/// <see cref="StageResetException"/> until <see cref="Reset"/> starts a cache epoch: a stage that was reactivated
/// (on another silo, or after being collected) never serves a step over keys it lost.
/// <para>Not thread-safe: one caller at a time (a grain's turn). Every step runs in inference mode and its own dispose scope.</para>
/// </summary>
public sealed class StageExecutor : IDisposable
{
    private readonly GptStage _stage;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private PagedKvCache? _cache; // null until the first reset

    /// <summary>
    /// Serves <paramref name="stage"/> (which it does not own) with a KV budget of <paramref name="maxBlocks"/> blocks of
    /// <paramref name="blockSize"/> positions: the coordinator's engine settings.
    /// </summary>
    public StageExecutor(GptStage stage, int blockSize, int maxBlocks)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlocks, 1);
        _stage = stage;
        BlockSize = blockSize;
        MaxBlocks = maxBlocks;
        Parameter first = stage.parameters().First();
        _device = first.device;
        _dtype = first.dtype;
        stage.eval();
    }

    /// <summary>Which blocks of the model this executor runs.</summary>
    public StageRange Range => _stage.Range;

    /// <summary>Positions per KV block.</summary>
    public int BlockSize { get; }

    /// <summary>The KV budget in blocks: block ids and pool rows beyond it are refused.</summary>
    public int MaxBlocks { get; }

    /// <summary>Whether a cache epoch has started (<see cref="Reset"/>) and steps are served.</summary>
    public bool Ready => _cache is not null;

    /// <summary>Bytes this stage's KV pool holds.</summary>
    public long KvCacheBytes => _cache?.AllocatedBytes ?? 0;

    /// <summary>Drops every cached key and value and starts a new cache epoch: steps are served from here on.</summary>
    public void Reset()
    {
        _cache?.Dispose();
        _cache = PagedKvCache.ForLayers(_stage.Config, _stage.Range.Layers, BlockSize, MaxBlocks, _device, _dtype);
    }

    /// <summary>
    /// Applies <see cref="StageStep.Copies"/>, runs the step and returns this stage's output: the residual stream (N × C)
    /// row-major, or from the last stage the next-token logits of <see cref="StageStep.SampleRows"/> (R × V).
    /// </summary>
    /// <exception cref="ArgumentException">The step is inconsistent or outside the budget; the message names the field.</exception>
    /// <exception cref="StageResetException">No cache epoch has started since this executor was built (see <see cref="Reset"/>).</exception>
    public float[] Step(StageStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        StageSteps.Validate(step, _stage.Config, _stage.Range, BlockSize, MaxBlocks);
        PagedKvCache cache = _cache ?? throw new StageResetException(Range.Index, $"stage {Range.Index} holds no KV cache epoch (it was reactivated): the coordinator must reset and replay it");
        cache.EnsureBlocks(StageSteps.BlocksTouched(step, BlockSize));
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        foreach (BlockCopy copy in step.Copies)
        {
            cache.CopyBlock(copy.From, copy.To, copy.Positions);
        }
        StepBatch batch = StageSteps.ToBatch(step, _device);
        Tensor? hidden = Range.First
            ? null
            : tensor(step.Hidden, [step.WriteRows.LongLength, _stage.Config.Embedding], ScalarType.Float32, _device).to(_dtype); // (N, C)
        Tensor output = _stage.Step(batch, cache, hidden); // (N, C) or (R, V)
        return output.numel() == 0 ? [] : output.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>Releases the KV pool (not the stage's weights).</summary>
    public void Dispose()
    {
        _cache?.Dispose();
        _cache = null;
    }
}
