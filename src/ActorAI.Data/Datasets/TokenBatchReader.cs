namespace ActorAI.Data.Datasets;

/// <summary>
/// Serves training batches from a <see cref="TokenDataset"/> in the order of a <see cref="TokenBatchSampler"/>:
/// <see cref="GetBatch"/> is a pure function of (seed, step, rank, world size) and the data, so any worker can resume
/// anywhere. Thread-safe.
/// </summary>
public sealed class TokenBatchReader
{
    /// <summary>Creates a reader that draws global batches of <paramref name="globalBatchSize"/> blocks from <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentException">The split has fewer blocks than one global batch.</exception>
    public TokenBatchReader(TokenDataset dataset, int globalBatchSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        Sampler = new TokenBatchSampler(dataset.BlockCount, globalBatchSize, seed);
    }

    /// <summary>The data.</summary>
    public TokenDataset Dataset { get; }

    /// <summary>The order.</summary>
    public TokenBatchSampler Sampler { get; }

    /// <summary>Global steps per epoch.</summary>
    public long StepsPerEpoch => Sampler.StepsPerEpoch;

    /// <summary>
    /// Rank <paramref name="rank"/>'s share of global step <paramref name="step"/>: <c>GlobalBatchSize / worldSize</c>
    /// rows of <see cref="TokenDataset.BlockSize"/> tokens.
    /// </summary>
    /// <exception cref="ArgumentException">The global batch size is not a multiple of <paramref name="worldSize"/>.</exception>
    /// <exception cref="DatasetFormatException">A shard fails its check.</exception>
    public TokenBatch GetBatch(long step, int rank, int worldSize)
    {
        long[] indices = Sampler.GetBlockIndices(step, rank, worldSize);
        return Dataset.ReadBatch(step, Sampler.EpochOf(step), indices);
    }
}
