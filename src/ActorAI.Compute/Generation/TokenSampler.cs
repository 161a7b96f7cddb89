using static TorchSharp.torch;

namespace ActorAI.Compute.Generation;

/// <summary>
/// One sequence's token choice: its settings and its own seeded stream of draws, applied through
/// <see cref="BatchSampler"/> so that a sequence samples the same tokens alone or in any batch.
/// </summary>
internal sealed class TokenSampler
{
    private readonly SamplingOptions _options;
    private readonly Random? _draws;

    public TokenSampler(SamplingOptions options)
    {
        _options = options;
        if (options.Temperature > 0)
        {
            long seed = options.Seed ?? Random.Shared.NextInt64();
            _draws = new Random(unchecked((int)(seed ^ (seed >> 32)))); // a seeded Random's stream is fixed across .NET versions
        }
    }

    /// <summary>This sequence's settings for its next row, taking the next draw of its stream.</summary>
    public BatchSampler.Row NextRow() => new(
        _options.Temperature, _options.TopK, _options.TopP, _options.IgnoreEndOfText, _draws?.NextDouble() ?? 0, _options.Logprobs ?? -1);

    /// <summary>Picks a token from <paramref name="logits"/> (V) (the uncached reference's path).</summary>
    public int Next(Tensor logits, int endOfText = -1)
    {
        BatchSampler.Row row = NextRow();
        if (endOfText < 0)
        {
            row = row with { MaskEndOfText = false };
        }
        return BatchSampler.Sample(logits.unsqueeze(0), [row], Math.Max(endOfText, 0)).Tokens[0];
    }
}
