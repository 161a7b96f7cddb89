namespace ActorAI.Data.Datasets;

/// <summary>
/// Which blocks each worker trains on at each step, as a pure function of (seed, epoch, rank, world size, step), so a
/// worker can start or resume at any step without skipping or repeating samples, and needs no data to plan.
/// <list type="bullet">
/// <item>Epoch <c>e</c> visits the blocks in a permutation drawn by Fisher–Yates from <see cref="SplitMix64"/>
/// seeded with the seed mixed with <c>e</c> (stable across machines and .NET versions, unlike <see cref="Random"/>).</item>
/// <item>A global step runs across epochs: <c>epoch = step / StepsPerEpoch</c>; the global batch of a step is the
/// permutation positions <c>[s·G, (s+1)·G)</c> of its epoch, with <c>G</c> = <see cref="GlobalBatchSize"/> and
/// <c>s</c> the step within the epoch. The last <c>BlockCount mod G</c> positions of each epoch are not served
/// (different blocks each epoch).</item>
/// <item>Rank <c>r</c> of <c>W</c> takes the contiguous slice <c>[r·G/W, (r+1)·G/W)</c> of the global batch, so the
/// global batch does not depend on <c>W</c> and the world size may change between steps (elastic training).</item>
/// </list>
/// Thread-safe; the permutations of the two most recent epochs are cached.
/// </summary>
public sealed class TokenBatchSampler
{
    private readonly object _gate = new();
    private (long Epoch, int[] Order)? _latest;
    private (long Epoch, int[] Order)? _previous;

    /// <summary>Creates a sampler over <paramref name="blockCount"/> blocks.</summary>
    /// <exception cref="ArgumentException">The global batch size is below 1 or above the block count.</exception>
    public TokenBatchSampler(long blockCount, int globalBatchSize, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockCount, (long)Array.MaxLength);
        if (globalBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(globalBatchSize), globalBatchSize, "global batch size must be at least 1 block");
        }
        if (globalBatchSize > blockCount)
        {
            throw new ArgumentException(
                $"global batch size {globalBatchSize} exceeds the {blockCount} blocks of the split; lower the batch size or add data",
                nameof(globalBatchSize));
        }
        BlockCount = blockCount;
        GlobalBatchSize = globalBatchSize;
        Seed = seed;
        StepsPerEpoch = blockCount / globalBatchSize;
    }

    /// <summary>Blocks in the split.</summary>
    public long BlockCount { get; }

    /// <summary>Blocks per global step, over all ranks.</summary>
    public int GlobalBatchSize { get; }

    /// <summary>The shuffling seed.</summary>
    public ulong Seed { get; }

    /// <summary><c>floor(BlockCount / GlobalBatchSize)</c>.</summary>
    public long StepsPerEpoch { get; }

    /// <summary>The epoch that global step <paramref name="step"/> falls in.</summary>
    public long EpochOf(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return step / StepsPerEpoch;
    }

    /// <summary>The block indices rank <paramref name="rank"/> of <paramref name="worldSize"/> reads at global step <paramref name="step"/>.</summary>
    /// <exception cref="ArgumentException">The global batch size is not a multiple of the world size, or the rank is out of range.</exception>
    public long[] GetBlockIndices(long step, int rank, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (worldSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "world size must be at least 1");
        }
        if (GlobalBatchSize % worldSize != 0)
        {
            throw new ArgumentException(
                $"global batch size {GlobalBatchSize} is not divisible by world size {worldSize}; every rank must get the same number of blocks",
                nameof(worldSize));
        }
        if (rank < 0 || rank >= worldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be between 0 and {worldSize - 1}");
        }
        long epoch = step / StepsPerEpoch;
        int[] order = Permutation(epoch);
        int rows = GlobalBatchSize / worldSize;
        long start = step % StepsPerEpoch * GlobalBatchSize + (long)rank * rows;
        var indices = new long[rows];
        for (int i = 0; i < rows; i++)
        {
            indices[i] = order[start + i];
        }
        return indices;
    }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the blocks (a copy).</summary>
    public int[] GetEpochOrder(long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (int[])Permutation(epoch).Clone();
    }

    private int[] Permutation(long epoch)
    {
        lock (_gate)
        {
            if (_latest is { } latest && latest.Epoch == epoch)
            {
                return latest.Order;
            }
            if (_previous is { } previous && previous.Epoch == epoch)
            {
                return previous.Order;
            }
        }
        int[] order = Shuffle(BlockCount, Seed, epoch);
        lock (_gate)
        {
            _previous = _latest;
            _latest = (epoch, order);
        }
        return order;
    }

    /// <summary>Fisher–Yates over 0..count-1 driven by SplitMix64 seeded with the seed mixed with the epoch.</summary>
    internal static int[] Shuffle(long count, ulong seed, long epoch)
    {
        var order = new int[count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var random = new SplitMix64(SplitMix64.Mix(SplitMix64.Mix(seed) + (ulong)epoch));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)random.NextBelow((ulong)i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
