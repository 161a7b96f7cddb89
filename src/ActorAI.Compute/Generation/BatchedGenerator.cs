using ActorAI.Compute.Models;
using ActorAI.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Generation;

/// <summary>
/// Decodes many sequences together over a paged KV cache, one <see cref="Step"/> at a time, as vLLM's scheduler:
/// <list type="bullet">
/// <item>each step has a token budget (<see cref="GenerationEngineOptions.MaxBatchedTokens"/>) shared by the running
/// sequences' decode tokens (served first) and prefill chunks, so a long prompt is prefilled across steps while the
/// others keep decoding, and all of a step's tokens go through the model's matrix products together;</item>
/// <item>a sequence holds KV blocks for its live positions only; one waits when blocks run short and, should a running
/// sequence need a block when none is left, the youngest is preempted (its blocks freed, recomputed later);</item>
/// <item>full blocks are registered under the hash of their token chain and salt, so a later prompt with the same
/// prefix and salt reuses them (automatic prefix caching);</item>
/// <item>sampling is one vectorised pass over the step's logits (<see cref="BatchSampler"/>).</item>
/// </list>
/// Not thread-safe: one loop owns it.
/// </summary>
public sealed class BatchedGenerator : IDisposable, ILiveSequences
{
    // Decodes attend in buckets of similar length: a bucket's shortest is at least this fraction of its longest, so
    // padding wastes little of the KV reads that dominate long-context decoding.
    private const double BucketSpread = 0.7;

    // Steps with fewer tokens run on this thread alone: their operations are too small to gain from a second thread and
    // lose to the hand-offs (measured: a batch-1 decode step takes about 0.7 of its two-thread time on one thread).
    private const int ParallelStepTokens = 64;

    private readonly IGenerationModel _model;
    private readonly ITextTokenizer _tokenizer;
    private readonly GenerationEngineOptions _options;
    private readonly PagedKvCache _cache;
    private readonly Device _device;
    private readonly int _context;
    private readonly LinkedList<Sequence> _waiting = new();
    private readonly List<Sequence> _running = []; // admission order
    private readonly HashSet<long> _cancelled = [];
    private long _nextId;
    // Pacing of long prefills: the moving average of a decodes-only step (milliseconds), and the tokens a long prompt
    // may add to a step, adapted after each paced step (more while the step stays within the slack, half when not).
    private double _decodeStepMs = double.NaN;
    private double _longPrefillTokens = 1;
    private bool _paced;

    /// <summary>Creates a generator for up to <paramref name="maxBatch"/> concurrent sequences, other settings default.</summary>
    public BatchedGenerator(Gpt model, ITextTokenizer tokenizer, int maxBatch)
        : this(model, tokenizer, new GenerationEngineOptions(maxBatch, 0, Math.Max(512, maxBatch)))
    {
    }

    /// <summary>Creates a generator with the given batch, step budget and KV cache.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or the tokenizer does not fit the model.</exception>
    public BatchedGenerator(Gpt model, ITextTokenizer tokenizer, GenerationEngineOptions options)
        : this((IGenerationModel)model, tokenizer, options)
    {
    }

    /// <summary>Creates a generator over <paramref name="model"/> (a <see cref="Gpt"/> or a pipeline of stages), which it is the only generator of.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or the tokenizer does not fit the model.</exception>
    public BatchedGenerator(IGenerationModel model, ITextTokenizer tokenizer, GenerationEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (tokenizer.VocabularySize > model.Config.VocabularySize)
        {
            throw new ArgumentException($"the tokenizer's {tokenizer.VocabularySize} ids exceed the model's vocabulary of {model.Config.VocabularySize}");
        }
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        _context = model.Config.ContextLength;
        _device = model.Device;
        _cache = model.Open(options.BlockSize, options.KvCacheBlocks(_context), this);
    }

    /// <summary>Sequences admitted (decoding or prefilling).</summary>
    public int Active => _running.Count;

    /// <summary>Sequences waiting for a place or for cache blocks.</summary>
    public int Pending => _waiting.Count;

    /// <summary>Whether <see cref="Step"/> has anything to do.</summary>
    public bool HasWork => _running.Count > 0 || _waiting.Count > 0;

    /// <summary>Fraction (0..1) of the KV budget's blocks that sequences hold.</summary>
    public double CacheUsage => (double)_cache.UsedBlocks / _cache.MaxBlocks;

    /// <summary>KV blocks sequences hold now.</summary>
    public int UsedBlocks => _cache.UsedBlocks;

    /// <summary>KV blocks cached for prefix reuse that no sequence holds.</summary>
    public int CachedBlocks => _cache.EvictableBlocks;

    /// <summary>Bytes the KV pool holds now (it grows with the live blocks).</summary>
    public long KvCacheBytes => _cache.AllocatedBytes;

    /// <summary>Tokens run through the model since start (prefill and decode): the work done, for FLOP accounting.</summary>
    public long ComputedTokens { get; private set; }

    /// <summary>Prompt tokens looked up in the prefix cache.</summary>
    public long PrefixCacheQueries { get; private set; }

    /// <summary>Prompt tokens whose KV came from the prefix cache.</summary>
    public long PrefixCacheHits { get; private set; }

    /// <summary>Queues a prompt; it joins the batch at a later step.</summary>
    /// <exception cref="ArgumentException">Empty prompt, prompt that leaves no room in the context, or invalid options.</exception>
    /// <exception cref="KvCacheBudgetException">The prompt and its tokens could never fit the KV budget.</exception>
    public long Submit(IReadOnlyList<int> prompt, SamplingOptions options, string? cacheSalt = null) => SubmitMany(prompt, options, 1, cacheSalt)[0];

    /// <summary>
    /// Queues <paramref name="n"/> continuations of one prompt: the first prefills it, and the others then share its
    /// blocks (the last, partial one copied). Choice i samples with seed <c>Seed + i</c> when a seed is set.
    /// </summary>
    /// <inheritdoc cref="Submit" path="/exception"/>
    public long[] SubmitMany(IReadOnlyList<int> prompt, SamplingOptions options, int n, string? cacheSalt = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        CheckFits(prompt, options, n);
        var leader = new Sequence(_nextId++, [.. prompt], options, _options.PrefixCaching ? PagedKvCache.RootHash(cacheSalt) : default);
        for (int i = 1; i < n; i++)
        {
            SamplingOptions choice = options.Seed is null ? options : options with { Seed = options.Seed + i };
            leader.Followers.Add(new Sequence(_nextId++, [.. prompt], choice, leader.Root) { Leader = leader });
        }
        _waiting.AddLast(leader);
        return [leader.Id, .. leader.Followers.Select(f => f.Id)];
    }

    /// <summary>Checks a request against the model and the KV budget without queueing it (thread-safe: reads settings only).</summary>
    /// <inheritdoc cref="Submit" path="/exception"/>
    public void CheckFits(IReadOnlyList<int> prompt, SamplingOptions options, int n = 1)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt is empty", nameof(prompt));
        }
        if (prompt.Count >= _context)
        {
            throw new ArgumentException($"the prompt has {prompt.Count} tokens; the context length is {_context}, leaving no room to generate", nameof(prompt));
        }
        int vocabulary = _model.Config.VocabularySize;
        for (int i = 0; i < prompt.Count; i++)
        {
            if ((uint)prompt[i] >= (uint)vocabulary)
            {
                throw new ArgumentException($"prompt token {i} is {prompt[i]}, outside the vocabulary (0..{vocabulary - 1})", nameof(prompt));
            }
        }
        int positions = Math.Min(prompt.Count + options.MaxTokens, _context);
        long needed = (long)n * _cache.BlocksFor(positions);
        if (needed > _cache.MaxBlocks)
        {
            long budget = (long)_cache.MaxBlocks * _cache.BlockSize, perChoice = (long)_cache.BlocksFor(positions) * _cache.BlockSize;
            throw new KvCacheBudgetException(
                $"the prompt ({prompt.Count} tokens) and max tokens ({options.MaxTokens}){(n > 1 ? $" for {n} choices" : "")} need {n * perChoice} KV-cache positions; the budget is {budget}",
                budget, perChoice, n);
        }
    }

    /// <summary>Ends a sequence at the next step (reported with <see cref="FinishReason.Cancelled"/>).</summary>
    public void Cancel(long sequenceId) => _cancelled.Add(sequenceId);

    /// <summary>
    /// One step: schedules decode tokens, prefill chunks and admissions within the token budget, runs them through the
    /// model together, and samples the sequences whose next token is due. Returns the events of this step; finished
    /// sequences have left and given back their blocks. Should the step fail, every sequence ends and all blocks are
    /// given back before the error propagates.
    /// </summary>
    public IReadOnlyList<GenerationEvent> Step()
    {
        var events = new List<GenerationEvent>();
        try
        {
            using var scope = NewDisposeScope();
            using var inference = inference_mode(); // cheaper than no_grad per operation: no version counters or views tracked
            RemoveCancelled(events);
            List<Work> plan = Schedule();
            if (plan.Count > 0)
            {
                // The team size is this thread's own (the generator's loop owns its thread); it is restored after.
                int threads = get_num_threads();
                bool alone = threads > 1 && plan.Sum(w => w.Count) < ParallelStepTokens;
                if (alone)
                {
                    set_num_threads(1);
                }
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    Run(plan, events);
                }
                finally
                {
                    if (alone)
                    {
                        set_num_threads(threads);
                    }
                }
                LearnCost(plan, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            return events;
        }
        catch
        {
            Abort();
            throw;
        }
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
    public void Dispose() => _cache.Dispose();

    IReadOnlyList<(IReadOnlyList<int> Blocks, int Length)> ILiveSequences.LiveSequences() =>
        [.. _running.Where(s => s.Running && s.Computed > 0).Select(s => ((IReadOnlyList<int>)s.Blocks, s.Computed))];

    // ---- scheduling -------------------------------------------------------------------------------------------------

    private List<Work> Schedule()
    {
        _paced = false;
        var plan = new List<Work>();
        int budget = _options.MaxBatchedTokens;
        // Decodes first (one token each, oldest first), so running sequences keep their pace whatever arrives.
        foreach (Sequence s in _running.ToList())
        {
            if (budget == 0)
            {
                break;
            }
            if (s.Running && s.Pending == 1 && Reserve(s, s.Computed + 1, plan, ref budget))
            {
                plan.Add(new Work(s, 1));
                budget--;
            }
        }
        int decoding = plan.Count;
        // Then prefill chunks of admitted sequences, oldest first.
        foreach (Sequence s in _running.ToList())
        {
            if (budget == 0)
            {
                break;
            }
            if (s.Running && s.Pending > 1)
            {
                int chunk = Math.Min(Paced(s, decoding), budget);
                if (Reserve(s, s.Computed + chunk, plan, ref budget))
                {
                    plan.Add(new Work(s, chunk, Prefill: true));
                    budget -= chunk;
                }
            }
        }
        // Then admissions, first come first served: the head of the queue waits for room rather than being overtaken.
        while (budget > 0 && _waiting.First is { } node && _running.Count + 1 + node.Value.Followers.Count <= _options.MaxBatch)
        {
            Sequence s = node.Value;
            if (!TryAdmit(s, budget, decoding, out int chunk))
            {
                break;
            }
            _waiting.RemoveFirst();
            _running.Add(s);
            _running.AddRange(s.Followers);
            plan.Add(new Work(s, chunk, Prefill: true));
            budget -= chunk;
        }
        return plan;
    }

    // Makes sure s has blocks for its first `positions` positions, preempting the youngest running sequences when the
    // cache is short. False when s itself had to be preempted.
    private bool Reserve(Sequence s, int positions, List<Work> plan, ref int budget)
    {
        int needed = _cache.BlocksFor(positions) - s.Blocks.Count;
        while (needed > 0 && !_cache.TryAllocate(needed, s.Blocks))
        {
            Sequence victim = _running.Last(x => x.Leader is null || x.Running);
            Work? planned = plan.FirstOrDefault(w => w.Sequence == victim);
            if (planned is not null)
            {
                plan.Remove(planned);
                budget += planned.Count;
            }
            Preempt(victim);
            if (victim == s)
            {
                return false;
            }
        }
        return true;
    }

    // Frees a sequence's blocks and queues it first again; it recomputes its tokens (prompt and generated) when
    // readmitted, reusing whatever of them is still in the prefix cache.
    private void Preempt(Sequence s)
    {
        _running.Remove(s);
        ReleaseBlocks(s);
        foreach (Sequence follower in s.Followers)
        {
            _running.Remove(follower);
        }
        _waiting.AddFirst(s);
    }

    private bool TryAdmit(Sequence s, int budget, int decoding, out int chunk)
    {
        if (_options.PrefixCaching && s.Computed == 0)
        {
            // Reuse the cached blocks of the longest matching prefix, keeping at least one token to compute (its
            // logits give the next token).
            int full = (s.Tokens.Count - 1) / _cache.BlockSize;
            for (int b = 0; b < full; b++)
            {
                UInt128 hash = PagedKvCache.ChainHash(b == 0 ? s.Root : s.Chain[b - 1], s.BlockTokens(b, _cache.BlockSize));
                if (_cache.TryReuse(hash) is not int block)
                {
                    break;
                }
                s.Blocks.Add(block);
                s.Chain.Add(hash);
            }
            s.Computed = s.Blocks.Count * _cache.BlockSize;
        }
        chunk = Math.Min(Paced(s, decoding), budget);
        if (_cache.TryAllocate(_cache.BlocksFor(s.Computed + chunk) - s.Blocks.Count, s.Blocks))
        {
            if (_options.PrefixCaching && !s.Counted)
            {
                s.Counted = true;
                PrefixCacheQueries += s.PromptLength;
                PrefixCacheHits += s.Computed;
            }
            s.Running = true;
            return true;
        }
        ReleaseBlocks(s);
        return false;
    }

    // The tokens of s to prefill this step. A long prompt (more than LongPrefillThreshold tokens still to prefill) does
    // not stall the sequences decoding beside it: it gets as many tokens as have kept the steps within LongPrefillSlack
    // of a decodes-only step (at least one, learnt step by step), and the whole budget when nothing else decodes.
    // Shorter prompts take what the budget leaves, as in vLLM.
    private int Paced(Sequence s, int decoding)
    {
        if (decoding == 0 || s.Pending <= _options.LongPrefillThreshold)
        {
            return s.Pending;
        }
        _paced = true;
        return Math.Min(s.Pending, (int)_longPrefillTokens);
    }

    private void LearnCost(List<Work> plan, double milliseconds)
    {
        const double Weight = 0.2;
        if (plan.All(w => !w.Prefill))
        {
            _decodeStepMs = double.IsNaN(_decodeStepMs) ? milliseconds : _decodeStepMs + (Weight * (milliseconds - _decodeStepMs));
        }
        else if (_paced && !double.IsNaN(_decodeStepMs))
        {
            // Additive increase, multiplicative decrease (as TCP's window): converges on the largest chunk whose step
            // stays within the slack, and backs off at once when the machine gets slower.
            _longPrefillTokens = milliseconds <= (1 + _options.LongPrefillSlack) * _decodeStepMs
                ? _longPrefillTokens + 1
                : Math.Max(1, _longPrefillTokens / 2);
        }
        _paced = false;
    }

    // ---- the model step ---------------------------------------------------------------------------------------------

    private void Run(List<Work> plan, List<GenerationEvent> events)
    {
        int blockSize = _cache.BlockSize;
        // Decodes first, longest first, so that each length bucket is a contiguous run of tokens; prefill chunks after.
        List<Work> decodes = [.. plan.Where(w => w.Count == 1 && w.Sequence.Computed > 0).OrderByDescending(w => w.Sequence.Computed)];
        List<Work> prefills = [.. plan.Where(w => !(w.Count == 1 && w.Sequence.Computed > 0))];
        int n = plan.Sum(w => w.Count);
        ComputedTokens += n;
        long[] tokens = new long[n], positions = new long[n], rows = new long[n];
        var groups = new List<AttentionGroup>();
        var samples = new List<(Sequence Sequence, int Row)>();
        int at = 0;
        foreach (Work w in decodes.Concat(prefills))
        {
            Sequence s = w.Sequence;
            for (int j = 0; j < w.Count; j++, at++)
            {
                int position = s.Computed + j;
                tokens[at] = s.Tokens[position];
                positions[at] = position;
                rows[at] = ((long)s.Blocks[position / blockSize] * blockSize) + (position % blockSize);
            }
            if (s.Computed + w.Count == s.Tokens.Count)
            {
                samples.Add((s, at - 1));
            }
        }
        AddDecodeGroups(decodes, groups);
        at = decodes.Count;
        foreach (Work w in prefills)
        {
            groups.Add(PrefillGroup(w, at));
            at += w.Count;
        }

        var batch = new StepBatch(tensor(tokens, device: _device), tensor(positions, device: _device), tensor(rows, device: _device),
            groups, tensor(samples.Select(x => (long)x.Row).ToArray(), device: _device));
        Tensor logits = _model.Step(batch, _cache); // (R, V)

        foreach (Work w in plan)
        {
            w.Sequence.Computed += w.Count;
            if (_options.PrefixCaching)
            {
                RegisterFullBlocks(w.Sequence);
            }
        }
        Sample(logits, samples, events);
    }

    private void AddDecodeGroups(List<Work> decodes, List<AttentionGroup> groups)
    {
        int start = 0;
        while (start < decodes.Count)
        {
            int longest = decodes[start].Sequence.Computed + 1;
            int end = start + 1;
            while (end < decodes.Count && decodes[end].Sequence.Computed + 1 >= BucketSpread * longest)
            {
                end++;
            }
            int count = end - start;
            int width = _cache.BlocksFor(longest);
            Sequence first = decodes[start].Sequence;
            if (count == 1 && Consecutive(first.Blocks, width))
            {
                groups.Add(new AttentionGroup(start, 1, Prefill: false, Past: 0, longest, null, (long)first.Blocks[0] * _cache.BlockSize, null));
                start = end;
                continue;
            }
            long[] table = new long[count * width];
            long[] lengths = new long[count];
            bool ragged = false;
            for (int i = 0; i < count; i++)
            {
                Sequence s = decodes[start + i].Sequence;
                lengths[i] = s.Computed + 1;
                ragged |= lengths[i] != longest;
                int held = _cache.BlocksFor((int)lengths[i]);
                for (int b = 0; b < width; b++)
                {
                    table[(i * width) + b] = s.Blocks[b < held ? b : 0]; // padding reads a block of its own, masked out
                }
            }
            Tensor? mask = ragged
                ? arange(longest, device: _device).unsqueeze(0).lt(tensor(lengths, device: _device).unsqueeze(1)).view(count, 1, 1, longest)
                : null;
            groups.Add(new AttentionGroup(start, count, Prefill: false, Past: 0, longest, tensor(table, device: _device).view(count, width), 0, mask));
            start = end;
        }
    }

    private AttentionGroup PrefillGroup(Work w, int start)
    {
        Sequence s = w.Sequence;
        int past = s.Computed;
        if (past == 0)
        {
            return new AttentionGroup(start, w.Count, Prefill: true, Past: 0, w.Count, null, 0, null);
        }
        int length = past + w.Count;
        int blocks = _cache.BlocksFor(length);
        // New position i (absolute past + i) sees positions 0..past + i.
        Tensor mask = arange(length, device: _device).unsqueeze(0).le(arange(past, length, device: _device).unsqueeze(1));
        if (Consecutive(s.Blocks, blocks))
        {
            return new AttentionGroup(start, w.Count, Prefill: true, past, length, null, (long)s.Blocks[0] * _cache.BlockSize, mask);
        }
        long[] table = [.. s.Blocks.Take(blocks).Select(b => (long)b)];
        return new AttentionGroup(start, w.Count, Prefill: true, past, length, tensor(table, device: _device).view(1, blocks), 0, mask);
    }

    // Whether the first `count` blocks are one run of consecutive ids (then their rows are read in place).
    private static bool Consecutive(List<int> blocks, int count)
    {
        for (int b = 1; b < count; b++)
        {
            if (blocks[b] != blocks[0] + b)
            {
                return false;
            }
        }
        return true;
    }

    private void RegisterFullBlocks(Sequence s)
    {
        int blockSize = _cache.BlockSize;
        for (int b = s.Chain.Count; (b + 1) * blockSize <= s.Computed; b++)
        {
            UInt128 hash = PagedKvCache.ChainHash(b == 0 ? s.Root : s.Chain[b - 1], s.BlockTokens(b, blockSize));
            s.Chain.Add(hash);
            _cache.Register(s.Blocks[b], hash);
        }
    }

    // ---- sampling and bookkeeping -----------------------------------------------------------------------------------

    private void Sample(Tensor logits, List<(Sequence Sequence, int Row)> samples, List<GenerationEvent> events)
    {
        // A leader's first token is due: its followers take its blocks (the partial last one copied) and sample their
        // own first token from the same logits.
        var owners = new List<(Sequence Sequence, int LogitsRow)>();
        for (int i = 0; i < samples.Count; i++)
        {
            Sequence s = samples[i].Sequence;
            owners.Add((s, i));
            if (s.Followers.Count > 0)
            {
                foreach (Sequence follower in s.Followers.ToList())
                {
                    if (Fork(s, follower))
                    {
                        owners.Add((follower, i));
                    }
                }
                s.Followers.Clear();
            }
        }
        Tensor rows = owners.Count == samples.Count
            ? logits
            : logits.index_select(0, tensor(owners.Select(o => (long)o.LogitsRow).ToArray(), device: logits.device));
        (int[] tokens, TokenLogprobs?[] logprobs) = BatchSampler.Sample(rows, [.. owners.Select(o => o.Sequence.Sampler.NextRow())], _tokenizer.EndOfTextId);
        for (int i = 0; i < owners.Count; i++)
        {
            Accept(owners[i].Sequence, tokens[i], logprobs[i], events);
        }
    }

    private bool Fork(Sequence leader, Sequence follower)
    {
        follower.Leader = null;
        int blockSize = _cache.BlockSize;
        int full = leader.Computed / blockSize;
        int partial = leader.Computed % blockSize;
        if (partial > 0 && !_cache.TryAllocate(1, follower.Blocks))
        {
            // No block for its copy: it prefills on its own later (the prefix cache still serves the full blocks).
            _running.Remove(follower);
            _waiting.AddFirst(follower);
            return false;
        }
        var copy = follower.Blocks.ToList();
        follower.Blocks.Clear();
        for (int b = 0; b < full; b++)
        {
            _cache.Share(leader.Blocks[b]);
            follower.Blocks.Add(leader.Blocks[b]);
        }
        if (partial > 0)
        {
            _cache.CopyBlock(leader.Blocks[full], copy[0], partial);
            follower.Blocks.Add(copy[0]);
        }
        follower.Chain.AddRange(leader.Chain);
        follower.Computed = leader.Computed;
        follower.Running = true;
        follower.Counted = true;
        return true;
    }

    private void Accept(Sequence s, int token, TokenLogprobs? logprobs, List<GenerationEvent> events)
    {
        bool stopToken = token == _tokenizer.EndOfTextId || (s.Options.StopTokens?.Contains(token) ?? false);
        FinishReason? finish = null;
        string text;
        if (stopToken)
        {
            text = s.Filter.Flush();
            finish = FinishReason.Stop;
        }
        else
        {
            s.Generated++;
            s.Tokens.Add(token);
            (text, bool stopped) = s.Filter.Add(_tokenizer.DecodeBytes([token]));
            if (stopped)
            {
                finish = FinishReason.Stop;
            }
            else if (s.Generated >= s.Options.MaxTokens || s.Computed >= _context)
            {
                text += s.Filter.Flush();
                finish = FinishReason.Length;
            }
        }
        events.Add(new GenerationEvent(s.Id, stopToken ? -1 : token, text, finish, stopToken ? null : logprobs));
        if (finish is not null)
        {
            Leave(s);
        }
    }

    private void RemoveCancelled(List<GenerationEvent> events)
    {
        if (_cancelled.Count == 0)
        {
            return;
        }
        foreach (Sequence s in _running.Concat(_waiting).SelectMany(x => x.Followers.Prepend(x)).Distinct().ToList())
        {
            if (_cancelled.Remove(s.Id))
            {
                events.Add(new GenerationEvent(s.Id, -1, s.Filter.Flush(), FinishReason.Cancelled));
                Leave(s);
            }
        }
        _cancelled.Clear(); // ids of sequences that already ended
    }

    private void Leave(Sequence s)
    {
        ReleaseBlocks(s);
        _running.Remove(s);
        if (s.Leader is { } leader)
        {
            leader.Followers.Remove(s);
        }
        else if (s.Followers.Count > 0)
        {
            // A leader that ends before its prompt was prefilled: its followers go on alone, first in the queue.
            foreach (Sequence follower in Enumerable.Reverse(s.Followers))
            {
                follower.Leader = null;
                _running.Remove(follower);
                _waiting.AddFirst(follower);
            }
            s.Followers.Clear();
        }
        _waiting.Remove(s);
        s.Running = false;
    }

    private void ReleaseBlocks(Sequence s)
    {
        _cache.Release(s.Blocks);
        s.Blocks.Clear();
        s.Chain.Clear();
        s.Computed = 0;
        s.Running = false;
    }

    private void Abort()
    {
        foreach (Sequence s in _running.Concat(_waiting).ToList())
        {
            ReleaseBlocks(s);
        }
        _running.Clear();
        _waiting.Clear();
        _cancelled.Clear();
    }

    private sealed record Work(Sequence Sequence, int Count, bool Prefill = false);

    private sealed class Sequence(long id, List<int> prompt, SamplingOptions options, UInt128 root)
    {
        public long Id { get; } = id;
        public List<int> Tokens { get; } = prompt;       // prompt, then generated tokens
        public int PromptLength { get; } = prompt.Count;
        public SamplingOptions Options { get; } = options;
        public UInt128 Root { get; } = root;             // the salt's chain root
        public TokenSampler Sampler { get; } = new(options);
        public StopSequenceFilter Filter { get; } = new(options.Stop);
        public List<int> Blocks { get; } = [];           // block table
        public List<UInt128> Chain { get; } = [];        // hashes of the full blocks, in order
        public List<Sequence> Followers { get; } = [];   // n > 1: the other choices, until they fork
        public Sequence? Leader { get; set; }            // set on a follower until it forks
        public int Computed { get; set; }                // positions whose KV is in the cache
        public int Generated { get; set; }
        public bool Running { get; set; }                // admitted and holding blocks (a follower: forked)
        public bool Counted { get; set; }                // its prompt was counted in the prefix-cache statistics

        public int Pending => Tokens.Count - Computed;

        public ReadOnlySpan<int> BlockTokens(int block, int blockSize) =>
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Tokens).Slice(block * blockSize, blockSize);
    }
}
