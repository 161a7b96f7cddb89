using ActorAI.Compute.Generation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ActorAI.Compute.Models;

/// <summary>
/// A GPT decoder (GPT-2 architecture). Parameter names match Hugging Face's GPT2LMHeadModel
/// (<c>transformer.wte.weight</c>, <c>transformer.h.0.attn.c_attn.weight</c>, … <c>lm_head.weight</c>), so checkpoints
/// map one to one (see <c>Checkpoints.GptCheckpoint</c>).
/// </summary>
public sealed class Gpt : Module<Tensor, Tensor>, IGenerationModel
{
    private readonly Transformer transformer;
    private readonly Linear? lm_head; // absent when tied: the head is the token embedding

    /// <summary>
    /// Builds the model with GPT-2's initialisation on <paramref name="device"/>, drawing the initial weights from
    /// <paramref name="generator"/> — or from LibTorch's process-wide generator when null, which anything else in the
    /// process may draw from or reseed meanwhile: pass a generator wherever the weights must follow from a seed.
    /// </summary>
    public Gpt(GptConfig config, Device? device = null, Generator? generator = null) : base(nameof(Gpt))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        transformer = new Transformer(config);
        lm_head = config.TiedHead ? null : Linear(config.Embedding, config.VocabularySize, hasBias: false);
        RegisterComponents();
        Initialise(generator);
        if (device is not null && device.type != DeviceType.CPU)
        {
            this.to(device);
        }
    }

    /// <summary>
    /// Builds the model with initial weights that follow from <paramref name="seed"/> alone (a generator of its own),
    /// whatever else in the process draws from or reseeds LibTorch's process-wide generator meanwhile.
    /// </summary>
    public static Gpt Create(GptConfig config, long seed, Device? device = null)
    {
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        return new Gpt(config, device, generator);
    }

    /// <summary>The shape of this model.</summary>
    public GptConfig Config { get; }

    /// <summary>The token-embedding matrix (shared with the head when tied).</summary>
    internal Embedding TokenEmbedding => transformer.TokenEmbedding;

    /// <summary>Next-token logits for every position: idx (B, T) int64 → (B, T, V).</summary>
    public override Tensor forward(Tensor idx) => Head(transformer.call(idx));

    /// <summary>Mean cross-entropy of <paramref name="targets"/> (B, T) under the logits for <paramref name="idx"/> (B, T).</summary>
    public Tensor Loss(Tensor idx, Tensor targets)
    {
        Tensor logits = forward(idx);
        return functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1));
    }

    /// <summary>
    /// One engine step over a flattened batch of decode tokens and prefill chunks (see <see cref="StepBatch"/>): writes
    /// every token's keys and values to <paramref name="cache"/> and returns the next-token logits (R, V) of the tokens
    /// listed in <see cref="StepBatch.SampleRows"/>.
    /// </summary>
    internal Tensor Step(StepBatch batch, PagedKvCache cache)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(cache);
        Tensor x = transformer.Step(batch, cache);            // (R, C), final norm applied
        return Head(x);
    }

    Device IGenerationModel.Device => parameters().First().device;

    ScalarType IGenerationModel.KvCacheType => parameters().First().dtype;

    PagedKvCache IGenerationModel.Open(int blockSize, int maxBlocks, ILiveSequences sequences)
    {
        eval();
        Parameter first = parameters().First();
        return new PagedKvCache(Config, blockSize, maxBlocks, first.device, first.dtype);
    }

    Tensor IGenerationModel.Step(StepBatch batch, PagedKvCache cache) => Step(batch, cache);

    /// <summary>Freezes (or unfreezes) the token/position embeddings and the first <paramref name="blocks"/> blocks.</summary>
    public void FreezeBottom(int blocks, bool embeddings = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blocks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blocks, Config.Layers);
        foreach ((string name, Parameter p) in named_parameters())
        {
            bool frozen = (embeddings && (name.StartsWith("transformer.wte.", StringComparison.Ordinal) || name.StartsWith("transformer.wpe.", StringComparison.Ordinal)))
                || Enumerable.Range(0, blocks).Any(i => name.StartsWith($"transformer.h.{i}.", StringComparison.Ordinal));
            p.requires_grad = !frozen;
        }
    }

    private Tensor Head(Tensor x) => lm_head is null
        ? functional.linear(x, transformer.TokenEmbedding.weight!)
        : lm_head.call(x);

    // Tensor.normal_ rather than init.normal_: TorchSharp 0.107's init.normal_ takes a generator and ignores it.
    private void Initialise(Generator? generator)
    {
        using var noGrad = torch.no_grad();
        foreach ((string name, Parameter p) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                p.zero_();
            }
            else if (name.Contains(".ln_", StringComparison.Ordinal) || name.StartsWith("transformer.ln_f", StringComparison.Ordinal))
            {
                p.fill_(1.0);
            }
            else
            {
                p.normal_(0.0, 0.02, generator);
            }
        }
        // GPT-2: residual projections scaled by 1/sqrt(2·layers) so the residual stream's variance stays bounded.
        double std = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (Linear projection in transformer.Blocks.SelectMany(b => b.ResidualProjections))
        {
            projection.weight!.normal_(0.0, std, generator);
        }
    }

    /// <summary>The <c>transformer</c> submodule of GPT-2: embeddings, blocks, final norm.</summary>
    private sealed class Transformer : Module<Tensor, Tensor>
    {
        private readonly Embedding wte;
        private readonly Embedding wpe;
        private readonly Dropout drop;
        private readonly ModuleList<Block> h;
        private readonly LayerNorm ln_f;

        public Transformer(GptConfig config) : base("transformer")
        {
            wte = Embedding(config.VocabularySize, config.Embedding);
            wpe = Embedding(config.ContextLength, config.Embedding);
            drop = Dropout(config.Dropout);
            h = new ModuleList<Block>([.. Enumerable.Range(0, config.Layers).Select(i => new Block(config, i))]);
            ln_f = LayerNorm(config.Embedding, elementwise_affine: true, bias: config.Bias);
            ContextLength = config.ContextLength;
            RegisterComponents();
        }

        public Embedding TokenEmbedding => wte;

        public IEnumerable<Block> Blocks => h;

        private int ContextLength { get; }

        public override Tensor forward(Tensor idx)
        {
            long t = idx.shape[1];
            CheckLength(t);
            Tensor pos = arange(t, dtype: ScalarType.Int64, device: idx.device); // (T)
            Tensor x = drop.call(wte.call(idx) + wpe.call(pos));                  // (B, T, C)
            foreach (Block block in h)
            {
                x = block.call(x);
            }
            return ln_f.call(x);
        }

        public Tensor Step(StepBatch batch, PagedKvCache cache)
        {
            Tensor x = wte.call(batch.Tokens) + wpe.call(batch.Positions); // (N, C)
            foreach (Block block in h)
            {
                x = block.Step(x, cache, batch);
            }
            return ln_f.call(x.index_select(0, batch.SampleRows));       // only the rows whose logits are wanted
        }

        private void CheckLength(long t)
        {
            if (t > ContextLength)
            {
                throw new ArgumentException($"sequence of {t} tokens exceeds the model's context length {ContextLength}");
            }
        }
    }
}
