namespace ActorAI.Compute.Generation;

/// <summary>How a <see cref="GenerationEngine"/> schedules work and sizes its KV cache.</summary>
/// <param name="MaxBatch">Sequences decoded together. Default 32.</param>
/// <param name="MaxQueue">Requests accepted beyond the batch, waiting for a slot or for cache blocks. Default 64.</param>
/// <param name="MaxBatchedTokens">Token budget of one engine step, shared by decode (one token per running sequence) and
/// prefill chunks: a long prompt is prefilled across several steps while the others keep decoding. Default 512.</param>
/// <param name="BlockSize">Positions per KV-cache block. Default 16.</param>
/// <param name="KvCacheTokens">The KV cache's budget in token positions (all sequences together); memory grows with live
/// tokens up to it. Null: <c>MaxBatch</c> × the model's context length.</param>
/// <param name="PrefixCaching">Reuse the KV blocks of identical prompt prefixes across requests (per cache salt). Default on.</param>
/// <param name="LongPrefillThreshold">A prompt with more tokens than this still to prefill is long: while other sequences
/// decode it is prefilled in the slack of their steps (see <paramref name="LongPrefillSlack"/>), so it does not stall
/// them (vLLM's long_prefill_token_threshold). Default 1024.</param>
/// <param name="LongPrefillSlack">How much longer (as a fraction) a decode step may take for a long prompt's chunk, judged
/// by the step costs the engine measures. Default 0.2.</param>
public sealed record GenerationEngineOptions(
    int MaxBatch = 32,
    int MaxQueue = 64,
    int MaxBatchedTokens = 512,
    int BlockSize = 16,
    int? KvCacheTokens = null,
    bool PrefixCaching = true,
    int LongPrefillThreshold = 1024,
    double LongPrefillSlack = 0.2)
{
    /// <summary>Checks the ranges; the message names the setting and its limit.</summary>
    public void Validate()
    {
        if (MaxBatch < 1) throw new ArgumentException($"MaxBatch must be at least 1 (was {MaxBatch})");
        if (MaxQueue < 0) throw new ArgumentException($"MaxQueue must be at least 0 (was {MaxQueue})");
        if (MaxBatchedTokens < MaxBatch) throw new ArgumentException($"MaxBatchedTokens must be at least MaxBatch ({MaxBatch}) so every running sequence can decode each step (was {MaxBatchedTokens})");
        if (BlockSize is < 1 or > 256) throw new ArgumentException($"BlockSize must be between 1 and 256 (was {BlockSize})");
        if (LongPrefillThreshold < 1) throw new ArgumentException($"LongPrefillThreshold must be at least 1 (was {LongPrefillThreshold})");
        if (!(LongPrefillSlack > 0 && LongPrefillSlack <= 100)) throw new ArgumentException($"LongPrefillSlack must be greater than 0 and at most 100 (was {LongPrefillSlack})");
        if (KvCacheTokens is int tokens && tokens < BlockSize) throw new ArgumentException($"KvCacheTokens must hold at least one block of {BlockSize} (was {tokens})");
    }

    /// <summary>Token positions the KV cache may hold for a model of <paramref name="contextLength"/>: KvCacheTokens, or MaxBatch × context.</summary>
    public long KvCachePositions(int contextLength) => KvCacheTokens ?? (long)MaxBatch * contextLength;

    /// <summary>The KV-cache budget in blocks of <see cref="BlockSize"/> positions.</summary>
    public int KvCacheBlocks(int contextLength) => (int)Math.Min(int.MaxValue / 2, (KvCachePositions(contextLength) + BlockSize - 1) / BlockSize);
}

/// <summary>A request needs more KV-cache positions than the engine's whole budget: it could never run.</summary>
/// <param name="message">What was asked and the budget.</param>
/// <param name="budgetPositions">The engine's whole KV budget in token positions (whole blocks).</param>
/// <param name="positionsPerChoice">Positions one choice needs (its prompt and max tokens, rounded up to whole blocks).</param>
/// <param name="choices">The choices asked for.</param>
public sealed class KvCacheBudgetException(string message, long budgetPositions, long positionsPerChoice, int choices) : ArgumentException(message)
{
    /// <summary>The engine's whole KV budget in token positions (whole blocks).</summary>
    public long BudgetPositions { get; } = budgetPositions;

    /// <summary>Positions one choice needs: its prompt and max tokens, rounded up to whole blocks.</summary>
    public long PositionsPerChoice { get; } = positionsPerChoice;

    /// <summary>The choices asked for.</summary>
    public int Choices { get; } = choices;
}
