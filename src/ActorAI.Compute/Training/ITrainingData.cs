using ActorAI.Data.Datasets;

namespace ActorAI.Compute.Training;

/// <summary>
/// Where the training loop reads its data. Batches are a pure function of (step, rank, world size): the global batch
/// of a step is split into <c>worldSize</c> equal slices, so gradient-accumulation micro-batches (reference loop) and
/// distributed trainers (ranks) read exactly the same samples.
/// </summary>
public interface ITrainingData
{
    /// <summary>Tokens per row.</summary>
    int BlockSize { get; }

    /// <summary>Rows per global batch.</summary>
    int GlobalBatchRows { get; }

    /// <summary>UTF-8 bytes per token of the validation split (for bits per byte); 0 when unknown.</summary>
    double ValidationBytesPerToken { get; }

    /// <summary>Slice <paramref name="rank"/> of <paramref name="worldSize"/> of the global batch of <paramref name="step"/>.</summary>
    TokenBatch GetBatch(long step, int rank, int worldSize);

    /// <summary>Validation batches of <paramref name="rows"/> rows, in a fixed order, at most <paramref name="maxBatches"/>.</summary>
    IEnumerable<TokenBatch> ValidationBatches(int rows, int maxBatches);
}
