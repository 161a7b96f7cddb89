using ActorAI.Compute.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Generation;

/// <summary>
/// Generation without a KV cache: every step runs the whole sequence through the model again. The baseline that
/// cached, batched generation is measured and tested against.
/// </summary>
public static class NaiveGenerator
{
    /// <summary>
    /// Greedy or sampled continuation of equal-length <paramref name="prompts"/> (B rows), <paramref name="tokens"/>
    /// new tokens each; returns (B, tokens). The window slides when the context is full. End-of-text does not stop it;
    /// with <paramref name="endOfText"/> given, <see cref="SamplingOptions.IgnoreEndOfText"/> keeps it from being chosen.
    /// </summary>
    public static long[,] Generate(Gpt model, long[][] prompts, int tokens, SamplingOptions options, int endOfText = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompts.Length == 0 || prompts.Any(p => p.Length == 0 || p.Length != prompts[0].Length))
        {
            throw new ArgumentException("prompts must be non-empty and of equal length", nameof(prompts));
        }
        model.eval();
        Device device = model.parameters().First().device;
        var samplers = prompts.Select(_ => new TokenSampler(options)).ToArray();
        var output = new long[prompts.Length, tokens];
        using var noGrad = no_grad();
        Tensor sequence = tensor(prompts.SelectMany(p => p).ToArray(), [prompts.Length, prompts[0].Length], device: device)
            .DetachFromDisposeScope();
        try
        {
            for (int step = 0; step < tokens; step++)
            {
                using var scope = NewDisposeScope();
                long length = sequence.shape[1];
                Tensor window = length > model.Config.ContextLength ? sequence[.., (int)(length - model.Config.ContextLength)..] : sequence;
                Tensor logits = model.call(window)[.., -1, ..]; // (B, V)
                long[] next = new long[prompts.Length];
                for (int b = 0; b < prompts.Length; b++)
                {
                    next[b] = output[b, step] = samplers[b].Next(logits[b], endOfText);
                }
                Tensor grown = cat([sequence, tensor(next, device: device).unsqueeze(1)], 1).DetachFromDisposeScope();
                sequence.Dispose();
                sequence = grown;
            }
        }
        finally
        {
            sequence.Dispose();
        }
        return output;
    }
}
