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

    internal Tensor Step(Tensor x, PagedKvCache cache, StepBatch batch)
    {
        x = x + attn.Step(ln_1.call(x), cache, batch);
        return x + mlp.call(ln_2.call(x));
    }
}
