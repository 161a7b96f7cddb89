using ActorAI.Compute.Models;
using ActorAI.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Generation;

/// <summary>
/// Decodes many sequences together, each with its own KV-cache slot, prompt length and sampling options. Sequences
/// join between steps (their prompt is prefilled at the next step) and leave as soon as they finish, so a
/// continuous-batching server drives it one <see cref="Step"/> at a time. Not thread-safe: one loop owns it.
/// </summary>
public sealed class BatchedGenerator : IDisposable
{
    private readonly Gpt _model;
    private readonly ITextTokenizer _tokenizer;
    private readonly KvCache _cache;
    private readonly Device _device;
    private readonly Queue<Sequence> _pending = new();
    private readonly List<Sequence> _active = []; // index = cache slot
    private readonly HashSet<long> _cancelled = [];
    private long _nextId;

    /// <summary>Creates a generator for up to <paramref name="maxBatch"/> concurrent sequences.</summary>
    public BatchedGenerator(Gpt model, ITextTokenizer tokenizer, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabularySize > model.Config.VocabularySize)
        {
            throw new ArgumentException($"the tokenizer's {tokenizer.VocabularySize} ids exceed the model's vocabulary of {model.Config.VocabularySize}");
        }
        _model = model;
        _tokenizer = tokenizer;
        _device = model.parameters().First().device;
        _cache = new KvCache(model.Config, maxBatch, model.Config.ContextLength, _device, model.parameters().First().dtype);
        model.eval();
    }

    /// <summary>Sequences decoding now.</summary>
    public int Active => _active.Count;

    /// <summary>Sequences waiting for a slot.</summary>
    public int Pending => _pending.Count;

    /// <summary>Whether <see cref="Step"/> has anything to do.</summary>
    public bool HasWork => _active.Count > 0 || _pending.Count > 0;

    /// <summary>Fraction (0..1) of the KV cache's token positions (slots × context) that active sequences hold.</summary>
    public double CacheUsage
    {
        get
        {
            long used = 0;
            for (int slot = 0; slot < _cache.Count; slot++)
            {
                used += _cache.Length(slot);
            }
            return (double)used / ((long)_cache.Capacity * _cache.MaxLength);
        }
    }

    /// <summary>Prompt tokens looked up in the prefix cache.</summary>
    public long PrefixCacheQueries { get; private set; }

    /// <summary>Prompt tokens whose KV came from the prefix cache.</summary>
    public long PrefixCacheHits { get; private set; }

    /// <summary>Queues a prompt; it joins the batch at the next step with a free slot.</summary>
    /// <exception cref="ArgumentException">Empty prompt, prompt that leaves no room in the context, or invalid options.</exception>
    public long Submit(IReadOnlyList<int> prompt, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt is empty", nameof(prompt));
        }
        if (prompt.Count >= _model.Config.ContextLength)
        {
            throw new ArgumentException($"the prompt has {prompt.Count} tokens; the context length is {_model.Config.ContextLength}, leaving no room to generate", nameof(prompt));
        }
        int vocabulary = _model.Config.VocabularySize;
        for (int i = 0; i < prompt.Count; i++)
        {
            if ((uint)prompt[i] >= (uint)vocabulary)
            {
                throw new ArgumentException($"prompt token {i} is {prompt[i]}, outside the vocabulary (0..{vocabulary - 1})", nameof(prompt));
            }
        }
        var sequence = new Sequence(_nextId++, [.. prompt], options);
        _pending.Enqueue(sequence);
        return sequence.Id;
    }

    /// <summary>Ends a sequence at the next step (reported with <see cref="FinishReason.Cancelled"/>).</summary>
    public void Cancel(long sequenceId) => _cancelled.Add(sequenceId);

    /// <summary>
    /// One step: admits waiting sequences while slots are free (prefill + first token), then decodes one token for
    /// every active sequence. Returns the events of this step; finished sequences have left.
    /// </summary>
    public IReadOnlyList<GenerationEvent> Step()
    {
        var events = new List<GenerationEvent>();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        RemoveCancelled(events);
        while (_pending.Count > 0 && _cache.Count < _cache.Capacity)
        {
            Sequence sequence = _pending.Dequeue();
            if (_cancelled.Remove(sequence.Id))
            {
                events.Add(new GenerationEvent(sequence.Id, -1, "", FinishReason.Cancelled));
                sequence.Dispose();
                continue;
            }
            int slot = _cache.Add();
            _active.Add(sequence);
            Tensor logits = _model.Prefill(tensor(sequence.Prompt.Select(t => (long)t).ToArray(), device: _device).unsqueeze(0), _cache, slot);
            Accept(slot, logits[0], events);
        }
        if (_active.Count > 0)
        {
            Tensor tokens = tensor(_active.Select(s => (long)s.Last).ToArray(), device: _device);
            Tensor logits = _model.Decode(tokens, _cache);
            // Accept in reverse so that removing a finished slot (which moves the last one into it) keeps indices valid.
            for (int slot = _active.Count - 1; slot >= 0; slot--)
            {
                Accept(slot, logits[slot], events);
            }
        }
        return events;
    }

    /// <summary>Runs one prompt to the end (convenience for tools and tests).</summary>
    public (int[] Tokens, string Text, FinishReason Finish) Generate(IReadOnlyList<int> prompt, SamplingOptions options)
    {
        long id = Submit(prompt, options);
        var tokens = new List<int>();
        var text = new System.Text.StringBuilder();
        while (true)
        {
            foreach (GenerationEvent e in Step().Where(e => e.SequenceId == id))
            {
                if (e.Token >= 0)
                {
                    tokens.Add(e.Token);
                }
                text.Append(e.Text);
                if (e.Finish is FinishReason finish)
                {
                    return ([.. tokens], text.ToString(), finish);
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Sequence s in _active.Concat(_pending))
        {
            s.Dispose();
        }
        _cache.Dispose();
    }

    private void Accept(int slot, Tensor logits, List<GenerationEvent> events)
    {
        Sequence sequence = _active[slot];
        Tensor? logSoftmax = sequence.Options.Logprobs is null ? null : nn.functional.log_softmax(logits.to(ScalarType.Float32), 0);
        if (sequence.Options.IgnoreEndOfText)
        {
            logits[_tokenizer.EndOfTextId].fill_(float.NegativeInfinity); // (V) view of this row: masks it in place
        }
        int token = sequence.Sampler.Next(logits);
        sequence.Last = token;
        FinishReason? finish = null;
        string text;
        bool stopToken = token == _tokenizer.EndOfTextId || (sequence.Options.StopTokens?.Contains(token) ?? false);
        if (stopToken)
        {
            text = sequence.Filter.Flush();
            finish = FinishReason.Stop;
        }
        else
        {
            sequence.Generated++;
            (text, bool stopped) = sequence.Filter.Add(_tokenizer.DecodeBytes([token]));
            if (stopped)
            {
                finish = FinishReason.Stop;
            }
            else if (sequence.Generated >= sequence.Options.MaxTokens || _cache.Length(slot) >= _cache.MaxLength)
            {
                text += sequence.Filter.Flush();
                finish = FinishReason.Length;
            }
        }
        TokenLogprobs? logprobs = null;
        if (logSoftmax is not null)
        {
            float[] all = logSoftmax.cpu().data<float>().ToArray();
            int[] top = [.. Enumerable.Range(0, all.Length).OrderByDescending(i => all[i]).Take(sequence.Options.Logprobs!.Value)];
            logprobs = new TokenLogprobs(all[token], top, [.. top.Select(i => all[i])]);
        }
        events.Add(new GenerationEvent(sequence.Id, finish == FinishReason.Stop && stopToken ? -1 : token, text, finish, logprobs));
        if (finish is not null)
        {
            Leave(slot);
        }
    }

    private void RemoveCancelled(List<GenerationEvent> events)
    {
        for (int slot = _active.Count - 1; slot >= 0 && _cancelled.Count > 0; slot--)
        {
            if (_cancelled.Remove(_active[slot].Id))
            {
                events.Add(new GenerationEvent(_active[slot].Id, -1, _active[slot].Filter.Flush(), FinishReason.Cancelled));
                Leave(slot);
            }
        }
    }

    private void Leave(int slot)
    {
        _active[slot].Dispose();
        int moved = _cache.RemoveAt(slot);
        if (moved >= 0)
        {
            _active[slot] = _active[moved];
            _active.RemoveAt(moved);
        }
        else
        {
            _active.RemoveAt(slot);
        }
    }

    private sealed class Sequence(long id, int[] prompt, SamplingOptions options) : IDisposable
    {
        public long Id { get; } = id;
        public int[] Prompt { get; } = prompt;
        public SamplingOptions Options { get; } = options;
        public TokenSampler Sampler { get; } = new(options);
        public StopSequenceFilter Filter { get; } = new(options.Stop);
        public int Last { get; set; }
        public int Generated { get; set; }

        public void Dispose() => Sampler.Dispose();
    }
}
