using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Generation;

/// <summary>Chooses the next token of one sequence from its logits: greedy, or temperature + top-k + top-p sampling.</summary>
internal sealed class TokenSampler : IDisposable
{
    private readonly SamplingOptions _options;
    private readonly Generator? _generator;

    public TokenSampler(SamplingOptions options)
    {
        _options = options;
        if (options.Temperature > 0)
        {
            long seed = options.Seed ?? Random.Shared.NextInt64();
            _generator = new Generator((ulong)seed, CPU);
        }
    }

    /// <summary>Picks a token from <paramref name="logits"/> (V).</summary>
    public int Next(Tensor logits)
    {
        using var scope = NewDisposeScope();
        Tensor l = logits.to(ScalarType.Float32).to(CPU);
        if (_generator is null)
        {
            return (int)l.argmax().item<long>();
        }
        l = l / _options.Temperature;
        if (_options.TopK > 0 && _options.TopK < l.shape[0])
        {
            Tensor kth = l.topk(_options.TopK).values[-1];
            l = l.masked_fill(l.lt(kth), double.NegativeInfinity);
        }
        Tensor probs = nn.functional.softmax(l, 0);
        if (_options.TopP < 1)
        {
            (Tensor sorted, Tensor order) = probs.sort(descending: true);
            Tensor cumulative = sorted.cumsum(0);
            // Keep the smallest prefix whose mass reaches P (the first token always stays).
            Tensor drop = (cumulative - sorted).gt(_options.TopP);
            sorted = sorted.masked_fill(drop, 0);
            probs = zeros_like(probs).scatter_(0, order, sorted);
        }
        return (int)multinomial(probs, 1, generator: _generator).item<long>();
    }

    public void Dispose() => _generator?.Dispose();
}
