using ActorAI.Compute.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ActorAI.Compute.Pipeline;

/// <summary>
/// One pipeline stage of a <see cref="Gpt"/>: a contiguous run of its blocks, with the embeddings when first and the
/// final norm and head when last. Parameter names are the whole model's (<c>transformer.h.5.attn.c_attn.weight</c>), so
/// a stage loads its part of an ordinary checkpoint and its gradients map onto the model's flat layout by name.
/// <para>
/// Input and output: the first stage takes token ids (B, T) int64, the others the residual stream (B, T, C); the last
/// returns logits (B, T, V), the others the residual stream. Chained, the stages compute what the whole model does.
/// </para>
/// </summary>
public sealed class GptStage : Module<Tensor, Tensor>
{
    private readonly StageTransformer transformer;
    private readonly Linear? lm_head; // last stage with an untied head

    /// <summary>Builds stage <paramref name="range"/> of a model of <paramref name="config"/> (weights zero until loaded).</summary>
    public GptStage(GptConfig config, StageRange range, Device? device = null) : base(nameof(GptStage))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(range);
        config.Validate();
        if (range.FirstLayer < 0 || range.EndLayer > config.Layers || range.Layers < 1)
        {
            throw new ArgumentException($"stage blocks {range.FirstLayer}..{range.EndLayer - 1} are not within the model's {config.Layers} blocks", nameof(range));
        }
        Config = config;
        Range = range;
        transformer = new StageTransformer(config, range);
        lm_head = range.Last && !config.TiedHead ? Linear(config.Embedding, config.VocabularySize, hasBias: false) : null;
        RegisterComponents();
        if (device is not null && device.type != DeviceType.CPU)
        {
            this.to(device);
        }
    }

    /// <summary>The whole model's shape.</summary>
    public GptConfig Config { get; }

    /// <summary>Which blocks this stage holds.</summary>
    public StageRange Range { get; }

    /// <summary>First stage: tokens (B, T) → (B, T, C); middle: (B, T, C) → (B, T, C); last: → logits (B, T, V).</summary>
    public override Tensor forward(Tensor input)
    {
        Tensor x = transformer.call(input);
        return Range.Last ? Head(x) : x;
    }

    /// <summary>
    /// One engine step of this stage over a flattened batch: the first stage embeds <see cref="StepBatch.Tokens"/>, the
    /// others take <paramref name="hidden"/> (N, C). Writes every token's keys and values to <paramref name="cache"/>
    /// (which holds this stage's blocks only) and returns the residual stream (N, C), or, from the last stage, the
    /// next-token logits (R, V) of <see cref="StepBatch.SampleRows"/>.
    /// </summary>
    internal Tensor Step(StepBatch batch, PagedKvCache cache, Tensor? hidden)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(cache);
        Tensor x = transformer.Step(batch, cache, hidden);
        return Range.Last ? Head(x) : x;
    }

    private Tensor Head(Tensor x) => lm_head is null
        ? functional.linear(x, transformer.TokenEmbedding!.weight!)
        : lm_head.call(x);

    /// <summary>The <c>transformer</c> part of a stage: the embeddings, blocks and final norm it holds.</summary>
    private sealed class StageTransformer : Module<Tensor, Tensor>
    {
        private readonly Embedding? wte;
        private readonly Embedding? wpe;
        private readonly Dropout drop;
        private readonly ModuleDict<Block> h;
        private readonly LayerNorm? ln_f;
        private readonly bool _embeds;

        public StageTransformer(GptConfig config, StageRange range) : base("transformer")
        {
            wte = range.HoldsTokenEmbedding(config) ? Embedding(config.VocabularySize, config.Embedding) : null;
            wpe = range.First ? Embedding(config.ContextLength, config.Embedding) : null;
            drop = Dropout(config.Dropout);
            h = new ModuleDict<Block>();
            for (int i = range.FirstLayer; i < range.EndLayer; i++)
            {
                // Named by its place in the whole model; its KV-cache layer is its place in this stage.
                h.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture), new Block(config, i - range.FirstLayer));
            }
            ln_f = range.Last ? LayerNorm(config.Embedding, elementwise_affine: true, bias: config.Bias) : null;
            _embeds = range.First;
            ContextLength = config.ContextLength;
            RegisterComponents();
        }

        public Embedding? TokenEmbedding => wte;

        private int ContextLength { get; }

        public override Tensor forward(Tensor input)
        {
            Tensor x;
            if (_embeds)
            {
                long t = input.shape[1];
                if (t > ContextLength)
                {
                    throw new ArgumentException($"sequence of {t} tokens exceeds the model's context length {ContextLength}");
                }
                Tensor pos = arange(t, dtype: ScalarType.Int64, device: input.device); // (T)
                x = drop.call(wte!.call(input) + wpe!.call(pos));                         // (B, T, C)
            }
            else
            {
                x = input;                                                                // (B, T, C)
            }
            foreach ((string _, Block block) in h)
            {
                x = block.call(x);
            }
            return ln_f is null ? x : ln_f.call(x);
        }

        public Tensor Step(StepBatch batch, PagedKvCache cache, Tensor? hidden)
        {
            Tensor x = _embeds
                ? wte!.call(batch.Tokens) + wpe!.call(batch.Positions)                   // (N, C)
                : hidden ?? throw new ArgumentNullException(nameof(hidden), "a stage after the first takes the residual stream");
            foreach ((string _, Block block) in h)
            {
                x = block.Step(x, cache, batch);
            }
            return ln_f is null ? x : ln_f.call(x.index_select(0, batch.SampleRows)); // only the rows whose logits are wanted
        }
    }
}
