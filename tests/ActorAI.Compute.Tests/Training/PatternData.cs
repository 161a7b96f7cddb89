using ActorAI.Compute.Training;
using ActorAI.Data.Datasets;

namespace ActorAI.Compute.Tests.Training;

/// <summary>
/// Learnable synthetic data, a pure function of (step, rank, world): each row is an arithmetic progression modulo
/// the vocabulary whose start and stride come from a hash of the global row index.
/// </summary>
internal sealed class PatternData(int blockSize, int globalBatchRows, int vocabulary = 32) : ITrainingData
{
    public int BlockSize { get; } = blockSize;

    public int GlobalBatchRows { get; } = globalBatchRows;

    public double ValidationBytesPerToken => 1.0;

    public TokenBatch GetBatch(long step, int rank, int worldSize)
    {
        int rows = GlobalBatchRows / worldSize;
        return Rows(step * GlobalBatchRows + rank * rows, rows, step);
    }

    public IEnumerable<TokenBatch> ValidationBatches(int rows, int maxBatches)
    {
        for (int b = 0; b < maxBatches; b++)
        {
            yield return Rows(1_000_000_000L + b * rows, rows, b);
        }
    }

    private TokenBatch Rows(long firstRow, int rows, long step)
    {
        var inputs = new int[rows * BlockSize];
        var targets = new int[rows * BlockSize];
        for (int r = 0; r < rows; r++)
        {
            ulong h = Mix((ulong)(firstRow + r));
            int start = (int)(h % (ulong)vocabulary);
            int stride = 1 + (int)((h >> 20) % 3);
            for (int t = 0; t < BlockSize; t++)
            {
                inputs[(r * BlockSize) + t] = (start + (t * stride)) % vocabulary;
                targets[(r * BlockSize) + t] = (start + ((t + 1) * stride)) % vocabulary;
            }
        }
        return new TokenBatch(step, 0, BlockSize, inputs, targets, [.. Enumerable.Range(0, rows).Select(r => firstRow + r)]);
    }

    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
