namespace ActorAI.Data.Datasets;

/// <summary>
/// One worker's share of a batch: <see cref="Rows"/> samples of <see cref="BlockSize"/> tokens, with targets shifted by
/// one token. Arrays are row-major, shape [Rows, BlockSize]; the batch owns them.
/// </summary>
/// <param name="Step">The global step (for evaluation batches, the batch index).</param>
/// <param name="Epoch">The epoch the step falls in.</param>
/// <param name="BlockSize">Tokens per sample.</param>
/// <param name="Inputs">Input ids, [Rows, BlockSize].</param>
/// <param name="Targets">Target ids (the next token of each input), [Rows, BlockSize].</param>
/// <param name="BlockIndices">The split's block index of each row.</param>
public sealed record TokenBatch(long Step, long Epoch, int BlockSize, int[] Inputs, int[] Targets, long[] BlockIndices)
{
    /// <summary>Samples in the batch.</summary>
    public int Rows => BlockIndices.Length;
}
