using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ActorAI.Compute.Models;

/// <summary>A pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
public sealed class Block : Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly CausalSelfAttention attn;
    private readonly LayerNorm ln_2;
    private readonly Mlp mlp;

    public Block(GptConfig config, int layer) : base(nameof(Block))
    {
        ArgumentNullException.ThrowIfNull(config);
        ln_1 = LayerNorm(config.Embedding, elementwise_affine: true, bias: config.Bias);
        attn = new CausalSelfAttention(config, layer);
        ln_2 = LayerNorm(config.Embedding, elementwise_affine: true, bias: config.Bias);
        mlp = new Mlp(config);
        RegisterComponents();
    }

    internal IEnumerable<Linear> ResidualProjections => [attn.OutputProjection, mlp.OutputProjection];

    public override Tensor forward(Tensor x)
    {
        x = x + attn.call(ln_1.call(x));
        return x + mlp.call(ln_2.call(x));
    }

    internal Tensor Prefill(Tensor x, KvCache cache, int slot)
    {
        x = x + attn.Prefill(ln_1.call(x), cache, slot);
        return x + mlp.call(ln_2.call(x));
    }

    internal Tensor Decode(Tensor x, KvCache cache, DecodeStep step)
    {
        x = x + attn.Decode(ln_1.call(x), cache, step);
        return x + mlp.call(ln_2.call(x));
    }
}
