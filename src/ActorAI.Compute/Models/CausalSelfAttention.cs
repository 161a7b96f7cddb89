using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ActorAI.Compute.Models;

/// <summary>Multi-head causal self-attention. Submodule names match Hugging Face GPT-2 (<c>attn.c_attn</c>, <c>attn.c_proj</c>).</summary>
public sealed class CausalSelfAttention : Module<Tensor, Tensor>
{
    private readonly Linear c_attn; // (C → 3C): query, key, value for all heads at once
    private readonly Linear c_proj; // (C → C)
    private readonly Dropout resid_dropout;
    private readonly int _heads;
    private readonly int _embedding;
    private readonly int _layer;

    public CausalSelfAttention(GptConfig config, int layer) : base(nameof(CausalSelfAttention))
    {
        ArgumentNullException.ThrowIfNull(config);
        c_attn = Linear(config.Embedding, 3 * config.Embedding, hasBias: config.Bias);
        c_proj = Linear(config.Embedding, config.Embedding, hasBias: config.Bias);
        resid_dropout = Dropout(config.Dropout);
        _heads = config.Heads;
        _embedding = config.Embedding;
        _layer = layer;
        RegisterComponents();
    }

    /// <summary>The output projection (scaled at initialisation).</summary>
    internal Linear OutputProjection => c_proj;

    /// <summary>Training and uncached inference: x (B, T, C) → (B, T, C).</summary>
    public override Tensor forward(Tensor x)
    {
        var (q, k, v) = Project(x);
        Tensor y = functional.scaled_dot_product_attention(q, k, v, is_casual: true); // (B, nh, T, hs)
        return Output(y, x.shape[0], x.shape[1]);
    }

    /// <summary>A prompt (1, P, C) for <paramref name="slot"/>: causal attention, keys and values stored in the cache.</summary>
    internal Tensor Prefill(Tensor x, KvCache cache, int slot)
    {
        var (q, k, v) = Project(x);
        cache.WritePrompt(_layer, slot, k, v);
        Tensor y = functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        return Output(y, x.shape[0], x.shape[1]);
    }

    /// <summary>One new position per active slot, x (B, 1, C): attends over each slot's cached past and itself.</summary>
    internal Tensor Decode(Tensor x, KvCache cache, DecodeStep step)
    {
        var (q, k, v) = Project(x);
        var (keys, values) = cache.Append(_layer, k, v, step);
        Tensor y = functional.scaled_dot_product_attention(q, keys, values, attn_mask: step.Mask); // (B, nh, 1, hs)
        return Output(y, x.shape[0], 1);
    }

    private (Tensor Q, Tensor K, Tensor V) Project(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1];
        Tensor[] qkv = c_attn.call(x).split(_embedding, dim: 2);
        // (B, T, C) → (B, nh, T, hs)
        Tensor Heads(Tensor z) => z.view(b, t, _heads, _embedding / _heads).transpose(1, 2);
        return (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));
    }

    private Tensor Output(Tensor y, long b, long t) =>
        resid_dropout.call(c_proj.call(y.transpose(1, 2).contiguous().view(b, t, _embedding)));
}
