using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ActorAI.Compute.Models;

/// <summary>The position-wise feed-forward network: C → 4C → GELU (tanh, as GPT-2) → C.</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly Linear c_proj;
    private readonly Dropout dropout;

    public Mlp(GptConfig config) : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(config);
        c_fc = Linear(config.Embedding, 4 * config.Embedding, hasBias: config.Bias);
        c_proj = Linear(4 * config.Embedding, config.Embedding, hasBias: config.Bias);
        dropout = Dropout(config.Dropout);
        RegisterComponents();
    }

    internal Linear OutputProjection => c_proj;

    public override Tensor forward(Tensor x) =>
        dropout.call(c_proj.call(functional.gelu(c_fc.call(x), TorchSharp.Modules.GELU.Approximate.tanh)));
}
