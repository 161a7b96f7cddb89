using ActorAI.Compute.Models;
using static TorchSharp.torch;

namespace ActorAI.Compute.Generation;

/// <summary>
/// What a <see cref="BatchedGenerator"/> steps: a <see cref="Gpt"/> in this process, or a
/// <see cref="Pipeline.PipelineModel"/> whose stages run elsewhere. Implemented in this assembly only.
/// </summary>
public interface IGenerationModel
{
    /// <summary>The whole model's shape.</summary>
    GptConfig Config { get; }

    /// <summary>Where the generator builds a step's tensors (and a local KV cache lives).</summary>
    Device Device { get; }

    /// <summary>The element type of a local KV cache.</summary>
    ScalarType KvCacheType { get; }

    /// <summary>
    /// Readies the model for serving by one generator and builds that generator's cache of at most
    /// <paramref name="maxBlocks"/> blocks. <paramref name="sequences"/> lists the generator's live sequences (for a
    /// pipeline to rebuild a stage's keys and values).
    /// </summary>
    internal PagedKvCache Open(int blockSize, int maxBlocks, ILiveSequences sequences);

    /// <summary>
    /// One engine step: writes every token's keys and values to <paramref name="cache"/> (or to the stages' caches at the
    /// same rows) and returns the next-token logits (R, V) of <see cref="StepBatch.SampleRows"/>, in that order.
    /// </summary>
    internal Tensor Step(StepBatch batch, PagedKvCache cache);
}

/// <summary>The sequences a generator holds KV blocks for.</summary>
internal interface ILiveSequences
{
    /// <summary>
    /// Each sequence whose keys and values are cached: its block table and how many positions (0..Length-1) are
    /// computed. A position's pool row is <c>Blocks[p / blockSize] × blockSize + p % blockSize</c>.
    /// </summary>
    IReadOnlyList<(IReadOnlyList<int> Blocks, int Length)> LiveSequences();
}
