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

    /// <summary>
    /// One engine step over a flattened batch x (N, C): every token's keys and values go to the paged cache, then each
    /// attention group attends over its sequences' cached positions. Returns (N, C).
    /// </summary>
    internal Tensor Step(Tensor x, PagedKvCache cache, StepBatch batch)
    {
        long n = x.shape[0];
        int hs = _embedding / _heads;
        Tensor[] qkv = c_attn.call(x).split(_embedding, dim: 1);
        Tensor q = qkv[0].reshape(n, _heads, hs); // (N, nh, hs)
        Tensor k = qkv[1].reshape(n, _heads, hs);
        Tensor v = qkv[2].reshape(n, _heads, hs);
        cache.Write(_layer, batch.WriteRows, k, v);
        var outputs = new Tensor[batch.Groups.Count];
        for (int g = 0; g < outputs.Length; g++)
        {
            AttentionGroup group = batch.Groups[g];
            if (!group.Prefill)
            {
                Tensor qd = q.narrow(0, group.Start, group.Count).unsqueeze(2);        // (D, nh, 1, hs)
                var (keys, values) = Past(cache, group);                                // (D, L, nh, hs)
                Tensor y = functional.scaled_dot_product_attention(qd, keys.transpose(1, 2), values.transpose(1, 2), attn_mask: group.Mask);
                outputs[g] = y.reshape(group.Count, _embedding);                        // (D, nh, 1, hs) → (D, C)
                continue;
            }
            Tensor qs = q.narrow(0, group.Start, group.Count).transpose(0, 1).unsqueeze(0); // (1, nh, T, hs)
            Tensor yp;
            if (group.Past == 0)
            {
                Tensor ks = k.narrow(0, group.Start, group.Count).transpose(0, 1).unsqueeze(0);
                Tensor vs = v.narrow(0, group.Start, group.Count).transpose(0, 1).unsqueeze(0);
                yp = functional.scaled_dot_product_attention(qs, ks, vs, is_casual: true);
            }
            else
            {
                var (keys, values) = Past(cache, group);                                // (1, P + T, nh, hs)
                yp = functional.scaled_dot_product_attention(qs, keys.transpose(1, 2), values.transpose(1, 2), attn_mask: group.Mask);
            }
            outputs[g] = yp[0].transpose(0, 1).reshape(group.Count, _embedding);      // (1, nh, T, hs) → (T, C)
        }
        Tensor all = outputs.Length == 1 ? outputs[0] : cat(outputs, 0);
        return resid_dropout.call(c_proj.call(all));
    }

    // A group's cached keys and values, (rows, L, nh, hs): gathered by block, or read in place from a consecutive run.
    private (Tensor Keys, Tensor Values) Past(PagedKvCache cache, AttentionGroup group)
    {
        if (group.Blocks is { } blocks)
        {
            (Tensor keys, Tensor values) = cache.GatherBlocks(_layer, blocks);
            return keys.shape[1] == group.Keys ? (keys, values) : (keys.narrow(1, 0, group.Keys), values.narrow(1, 0, group.Keys));
        }
        (Tensor k, Tensor v) = cache.Rows(_layer, group.FirstRow, group.Keys);
        return (k.unsqueeze(0), v.unsqueeze(0));
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
