using ActorAI.Data.Datasets;

namespace ActorAI.Compute.Pipeline;

/// <summary>How a pipelined trainer splits its batch into GPipe micro-batches.</summary>
public static class MicroBatches
{
    /// <summary>
    /// Micro-batches per step: <paramref name="requested"/> when given (it must divide <paramref name="rows"/>), else
    /// 2 × <paramref name="stages"/> — enough to keep the bubble at about a third — lowered to the largest count that
    /// divides the rows, so every micro-batch has the same rows and the same weight in the mean.
    /// </summary>
    /// <exception cref="ArgumentException">The requested count does not divide the rows.</exception>
    public static int Count(int stages, int rows, int? requested)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (requested is int m)
        {
            return m >= 1 && rows % m == 0
                ? m
                : throw new ArgumentException($"MicroBatches ({m}) must divide each trainer's {rows} rows", nameof(requested));
        }
        for (int count = Math.Min(2 * stages, rows); count > 1; count--)
        {
            if (rows % count == 0)
            {
                return count;
            }
        }
        return 1;
    }

    /// <summary>
    /// <paramref name="batch"/>'s rows in <paramref name="count"/> consecutive micro-batches of equal rows (the mean of
    /// their mean losses is the batch's mean loss).
    /// </summary>
    public static IReadOnlyList<TokenBatch> Split(TokenBatch batch, int count)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (count < 1 || batch.Rows % count != 0)
        {
            throw new ArgumentException($"{count} micro-batches do not divide the batch's {batch.Rows} rows", nameof(count));
        }
        int rows = batch.Rows / count;
        int tokens = rows * batch.BlockSize;
        return [.. Enumerable.Range(0, count).Select(m => batch with
        {
            Inputs = batch.Inputs.AsSpan(m * tokens, tokens).ToArray(),
            Targets = batch.Targets.AsSpan(m * tokens, tokens).ToArray(),
            BlockIndices = batch.BlockIndices.AsSpan(m * rows, rows).ToArray(),
        })];
    }
}
