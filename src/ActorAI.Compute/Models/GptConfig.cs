namespace ActorAI.Compute.Models;

/// <summary>Shape and regularisation of a GPT decoder. All settings in one record, with named presets.</summary>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="Heads">Attention heads per block; must divide <paramref name="Embedding"/>.</param>
/// <param name="Embedding">Model width (residual stream size).</param>
/// <param name="ContextLength">Longest sequence the position embedding covers.</param>
/// <param name="VocabularySize">Token ids the embedding covers (≥ the tokenizer's vocabulary).</param>
/// <param name="Dropout">Dropout on attention output, MLP output and embeddings while training; 0 for none.</param>
/// <param name="Bias">Biases in linear layers and layer norms (GPT-2: true).</param>
/// <param name="TiedHead">The output head shares the token embedding matrix (GPT-2: true).</param>
public sealed record GptConfig(
    int Layers,
    int Heads,
    int Embedding,
    int ContextLength,
    int VocabularySize,
    double Dropout = 0.0,
    bool Bias = true,
    bool TiedHead = true)
{
    /// <summary>Names of the presets, smallest first.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "medium", "gpt2"];

    /// <summary>
    /// A named preset with the given vocabulary: <c>tiny</c> (2 layers, width 128, context 128: ≈0.5 M parameters with a
    /// byte vocabulary), <c>small</c> (4 layers, width 256, context 256), <c>medium</c> (6 layers, width 384, context 256),
    /// <c>gpt2</c> (GPT-2 124M: 12 layers, 12 heads, width 768, context 1024; vocabulary 50257 for its tokenizer).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown preset; the message lists the known ones.</exception>
    public static GptConfig Preset(string name, int vocabularySize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 2);
        return name switch
        {
            "tiny" => new GptConfig(Layers: 2, Heads: 4, Embedding: 128, ContextLength: 128, vocabularySize),
            "small" => new GptConfig(Layers: 4, Heads: 4, Embedding: 256, ContextLength: 256, vocabularySize),
            "medium" => new GptConfig(Layers: 6, Heads: 6, Embedding: 384, ContextLength: 256, vocabularySize),
            "gpt2" => new GptConfig(Layers: 12, Heads: 12, Embedding: 768, ContextLength: 1024, vocabularySize),
            _ => throw new ArgumentException($"unknown model preset '{name}'; known presets: {string.Join(", ", PresetNames)}", nameof(name)),
        };
    }

    /// <summary>Width of one attention head.</summary>
    public int HeadSize => Embedding / Heads;

    /// <summary>Checks the record; the message names the setting and its limit.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        Check(Layers is >= 1 and <= 256, $"Layers must be between 1 and 256 (was {Layers})");
        Check(Heads is >= 1 and <= 256, $"Heads must be between 1 and 256 (was {Heads})");
        Check(Embedding is >= 1 and <= 65536, $"Embedding must be between 1 and 65536 (was {Embedding})");
        Check(Embedding % Heads == 0, $"Embedding ({Embedding}) must be divisible by Heads ({Heads})");
        Check(ContextLength is >= 1 and <= 1 << 20, $"ContextLength must be between 1 and {1 << 20} (was {ContextLength})");
        Check(VocabularySize is >= 2 and <= 1 << 22, $"VocabularySize must be between 2 and {1 << 22} (was {VocabularySize})");
        Check(Dropout is >= 0 and < 1, $"Dropout must be in [0, 1) (was {Dropout})");
    }

    /// <summary>Parameter count (the tied head counted once), from the shapes alone.</summary>
    public long ParameterCount()
    {
        long c = Embedding, b = Bias ? 1 : 0;
        long perBlock = 2 * (c + b * c)                 // ln_1, ln_2
            + (c * 3 * c + b * 3 * c) + (c * c + b * c) // attn c_attn, c_proj
            + (c * 4 * c + b * 4 * c) + (4 * c * c + b * c); // mlp c_fc, c_proj
        long head = TiedHead ? 0 : (long)VocabularySize * c;
        return (long)VocabularySize * c + (long)ContextLength * c + Layers * perBlock + (c + b * c) + head;
    }

    /// <summary>
    /// Every parameter's name and shape, in the order of the model's <c>named_parameters()</c> (Hugging Face GPT-2
    /// names): the flat layout of parameter shards and pipeline stages follows from the configuration alone.
    /// </summary>
    public IReadOnlyList<(string Name, long[] Shape)> ParameterShapes()
    {
        long c = Embedding;
        var shapes = new List<(string, long[])>
        {
            ("transformer.wte.weight", [VocabularySize, c]),
            ("transformer.wpe.weight", [ContextLength, c]),
        };
        for (int i = 0; i < Layers; i++)
        {
            shapes.AddRange(BlockShapes(i));
        }
        shapes.AddRange(Norm("transformer.ln_f"));
        if (!TiedHead)
        {
            shapes.Add(("lm_head.weight", [VocabularySize, c]));
        }
        return shapes;
    }

    /// <summary>The parameters of block <paramref name="layer"/>, in order.</summary>
    public IEnumerable<(string Name, long[] Shape)> BlockShapes(int layer)
    {
        long c = Embedding;
        string prefix = $"transformer.h.{layer}";
        return [
            .. Norm($"{prefix}.ln_1"),
            .. Linear($"{prefix}.attn.c_attn", 3 * c, c),
            .. Linear($"{prefix}.attn.c_proj", c, c),
            .. Norm($"{prefix}.ln_2"),
            .. Linear($"{prefix}.mlp.c_fc", 4 * c, c),
            .. Linear($"{prefix}.mlp.c_proj", c, 4 * c),
        ];
    }

    private IEnumerable<(string, long[])> Norm(string name) =>
        Bias ? [($"{name}.weight", [Embedding]), ($"{name}.bias", [Embedding])] : [($"{name}.weight", [Embedding])];

    private IEnumerable<(string, long[])> Linear(string name, long output, long input) =>
        Bias ? [($"{name}.weight", [output, input]), ($"{name}.bias", [output])] : [($"{name}.weight", [output, input])];

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
