using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ActorAI.Compute.Models;

/// <summary>Shape of an <see cref="MlpClassifier"/>.</summary>
/// <param name="Inputs">Features per example.</param>
/// <param name="Hidden">Widths of the hidden layers.</param>
/// <param name="Classes">Output classes.</param>
/// <param name="Dropout">Dropout after each hidden layer while training.</param>
public sealed record MlpClassifierConfig(int Inputs, IReadOnlyList<int> Hidden, int Classes, double Dropout = 0.0)
{
    /// <summary>Checks the ranges; the message names the setting.</summary>
    public void Validate()
    {
        if (Inputs < 1) throw new ArgumentException($"Inputs must be at least 1 (was {Inputs})");
        if (Classes < 2) throw new ArgumentException($"Classes must be at least 2 (was {Classes})");
        if (Hidden.Count == 0 || Hidden.Any(h => h < 1)) throw new ArgumentException("Hidden needs at least one layer, each at least 1 wide");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"Dropout must be in [0, 1) (was {Dropout})");
    }
}

/// <summary>
/// A multi-layer perceptron classifier on feature tensors: proof that the runtime trains any TorchSharp module,
/// not only language models. x (B, Inputs) → logits (B, Classes).
/// </summary>
public sealed class MlpClassifier : Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    public MlpClassifier(MlpClassifierConfig config) : base(nameof(MlpClassifier))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        int width = config.Inputs;
        for (int i = 0; i < config.Hidden.Count; i++)
        {
            modules.Add(($"fc{i}", Linear(width, config.Hidden[i])));
            modules.Add(($"act{i}", GELU()));
            if (config.Dropout > 0)
            {
                modules.Add(($"drop{i}", Dropout(config.Dropout)));
            }
            width = config.Hidden[i];
        }
        modules.Add(("head", Linear(width, config.Classes)));
        layers = Sequential(modules);
        RegisterComponents();
    }

    public MlpClassifierConfig Config { get; }

    public override Tensor forward(Tensor x) => layers.call(x);

    /// <summary>Mean cross-entropy of integer <paramref name="labels"/> (B).</summary>
    public Tensor Loss(Tensor x, Tensor labels) => functional.cross_entropy(forward(x), labels);
}
