using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Compute.Tests.Models;
using ActorAI.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;
using static ActorAI.Compute.Tests.Generation.GenerationRuns;

namespace ActorAI.Compute.Tests.Generation;

/// <summary>
/// The engine's scheduler against the uncached reference: chunked and batched prefill, the paged cache with
/// preemption, prefix caching with salts, vectorised sampling with logprobs, and n choices.
/// </summary>
public sealed class PagedGenerationTests
{
    private static readonly GptConfig Config = new(Layers: 2, Heads: 2, Embedding: 32, ContextLength: 96, VocabularySize: 256);

    // Small blocks and a small step budget: prompts are prefilled in several chunks, across block boundaries.
    private static readonly GenerationEngineOptions Chunked = new(MaxBatch: 3, MaxQueue: 0, MaxBatchedTokens: 7, BlockSize: 4);

    public static TheoryData<double> Temperatures => [0.0, 0.9];

    [Theory]
    [MemberData(nameof(Temperatures))]
    public void ChunkedAndBatchedPrefillGiveTheTokensOfTheSequentialReference(double temperature)
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        int[][] prompts = [Prompt(5, 1), Prompt(23, 2), Prompt(40, 3), Prompt(9, 4), Prompt(17, 5)];
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, Chunked);
        SamplingOptions Options(int i) => new(MaxTokens: 40, Temperature: temperature, TopP: temperature > 0 ? 0.95 : 1, Seed: 100 + i, IgnoreEndOfText: true);

        // Five prompts through three places, each prefilled in chunks of at most 7 tokens beside the others' decodes;
        // past 64 positions a sequence whose blocks are consecutive attends alone, in place, the others gathered.
        long[] ids = [.. prompts.Select((p, i) => generator.Submit(p, Options(i)))];
        Dictionary<long, List<int>> produced = RunToEnd(generator, ids);

        for (int i = 0; i < prompts.Length; i++)
        {
            AssertPrefixOfReference(model, prompts[i], Options(i), produced[ids[i]]);
        }
        Assert.True(generator.ComputedTokens >= prompts.Sum(p => p.Length));
    }

    [Fact]
    public void ALongPromptArrivingWhileOthersDecodeIsPrefilledInPacedChunks()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        var options = new GenerationEngineOptions(MaxBatch: 4, MaxQueue: 0, MaxBatchedTokens: 64, BlockSize: 4, LongPrefillThreshold: 8);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, options);
        var sampling = new SamplingOptions(MaxTokens: 90, Temperature: 0, IgnoreEndOfText: true);
        long running = generator.Submit(Prompt(6, 81), sampling);
        for (int i = 0; i < 4; i++)
        {
            generator.Step();
        }

        int[] longPrompt = Prompt(50, 82);
        long arrival = generator.Submit(longPrompt, SamplingOptions.Greedy(5) with { IgnoreEndOfText = true });
        var produced = new List<int>();
        int steps = 0;
        while (produced.Count == 0)
        {
            steps++;
            List<GenerationEvent> events = [.. generator.Step()];
            // The running sequence decodes at every step while the long prompt is prefilled beside it.
            Assert.True(events.Any(e => e.SequenceId == running && e.Token >= 0), $"step {steps}: {string.Join(" ", events.Select(e => $"{e.SequenceId}:{e.Token}:{e.Finish}"))}");
            produced.AddRange(events.Where(e => e.SequenceId == arrival && e.Token >= 0).Select(e => e.Token));
        }
        produced.AddRange(RunToEnd(generator, [arrival, running])[arrival]);

        Assert.True(steps > 1, "a 50-token prompt over the threshold of 8 went through in one step beside a decode");
        AssertPrefixOfReference(model, longPrompt, SamplingOptions.Greedy(5) with { IgnoreEndOfText = true }, produced);
    }

    [Fact]
    public void SequencesPreemptedForLackOfBlocksRecomputeAndGiveTheSameTokens()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        // 12 blocks of 4: each request needs at most 8 blocks, all three together far more.
        var options = new GenerationEngineOptions(MaxBatch: 3, MaxQueue: 0, MaxBatchedTokens: 16, BlockSize: 4, KvCacheTokens: 48);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, options);
        int[][] prompts = [Prompt(10, 7), Prompt(12, 8), Prompt(8, 9)];
        var sampling = new SamplingOptions(MaxTokens: 20, Temperature: 0, IgnoreEndOfText: true);

        long[] ids = [.. prompts.Select(p => generator.Submit(p, sampling))];
        Dictionary<long, List<int>> produced = RunToEnd(generator, ids);

        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(20, produced[ids[i]].Count);
            AssertPrefixOfReference(model, prompts[i], sampling, produced[ids[i]]);
        }
        Assert.Equal(0, generator.UsedBlocks);
    }

    [Fact]
    public void APrefixCacheHitGivesTheTokensOfAMissAndSkipsTheCachedBlocks()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var cached = new BatchedGenerator(model, ByteTokenizer.Instance, Chunked);
        using var uncached = new BatchedGenerator(model, ByteTokenizer.Instance, Chunked with { PrefixCaching = false });
        int[] system = Prompt(30, 11);
        int[] first = [.. system, .. Prompt(6, 12)];
        int[] second = [.. system, .. Prompt(9, 13)];
        var sampling = new SamplingOptions(MaxTokens: 10, Temperature: 0.8, Seed: 5, IgnoreEndOfText: true);

        var miss = cached.Generate(first, sampling);
        long computedBefore = cached.ComputedTokens;
        var hit = cached.Generate(second, sampling);

        // 28 of the shared 30 tokens fill 7 whole blocks of 4.
        Assert.Equal(first.Length + second.Length, cached.PrefixCacheQueries);
        Assert.Equal(28, cached.PrefixCacheHits);
        Assert.Equal(second.Length - 28 + hit.Tokens.Length - 1, cached.ComputedTokens - computedBefore);
        Assert.Equal(uncached.Generate(first, sampling).Tokens, miss.Tokens);
        Assert.Equal(uncached.Generate(second, sampling).Tokens, hit.Tokens);
        Assert.Equal(0, uncached.PrefixCacheHits);
        // A whole prompt seen before: everything but its last token comes from the cache.
        var again = cached.Generate(second, sampling);
        Assert.Equal(hit.Tokens, again.Tokens);
        Assert.Equal(28 + (second.Length - 1) / 4 * 4, cached.PrefixCacheHits);
    }

    [Fact]
    public void CacheEntriesAreSeparatedBySalt()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, Chunked);
        int[] prompt = Prompt(33, 21);
        var sampling = SamplingOptions.Greedy(3);

        Run(generator, prompt, sampling, "tenant-a");
        Run(generator, prompt, sampling, "tenant-b");
        Run(generator, prompt, sampling, null);
        Assert.Equal(0, generator.PrefixCacheHits);

        Run(generator, prompt, sampling, "tenant-b");
        Assert.Equal(32, generator.PrefixCacheHits);
        Assert.NotEqual(PagedKvCache.RootHash("tenant-a"), PagedKvCache.RootHash("tenant-b"));
        Assert.NotEqual(PagedKvCache.RootHash(null), PagedKvCache.RootHash(""));
        Assert.Equal(PagedKvCache.RootHash("tenant-a"), PagedKvCache.RootHash("tenant-a"));
    }

    [Fact]
    public void BlocksAreGivenBackWhenARequestEndsIsCancelledOrFails()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        var tokenizer = new FailingTokenizer();
        using var generator = new BatchedGenerator(model, tokenizer, Chunked with { PrefixCaching = false });

        generator.Generate(Prompt(20, 31), SamplingOptions.Greedy(5));
        Assert.Equal(0, generator.UsedBlocks);

        var longRun = new SamplingOptions(MaxTokens: 50, Temperature: 0, IgnoreEndOfText: true);
        long cancelled = generator.Submit(Prompt(20, 32), longRun);
        for (int i = 0; i < 6; i++)
        {
            generator.Step();
        }
        Assert.True(generator.UsedBlocks > 0);
        generator.Cancel(cancelled);
        Assert.Contains(generator.Step(), e => e.SequenceId == cancelled && e.Finish == FinishReason.Cancelled);
        Assert.Equal(0, generator.UsedBlocks);

        generator.Submit(Prompt(20, 33), longRun);
        generator.Submit(Prompt(12, 34), longRun);
        for (int i = 0; i < 8; i++)
        {
            generator.Step();
        }
        Assert.True(generator.UsedBlocks > 0);
        tokenizer.Fail = true;
        Assert.Throws<InvalidOperationException>(() => { while (generator.HasWork) { generator.Step(); } });
        Assert.Equal(0, generator.UsedBlocks);
        Assert.False(generator.HasWork);
    }

    [Fact]
    public void LogprobsAreTheLogSoftmaxOfTheReferenceLogits()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, Chunked);
        int[] prompt = Prompt(19, 41);
        long other = generator.Submit(Prompt(11, 42), new SamplingOptions(MaxTokens: 8, Temperature: 1, Seed: 3));
        long id = generator.Submit(prompt, new SamplingOptions(MaxTokens: 8, Temperature: 1.3, TopK: 40, Seed: 9, Logprobs: 5, IgnoreEndOfText: true));

        List<GenerationEvent> events = [];
        while (generator.HasWork)
        {
            events.AddRange(generator.Step());
        }

        using var noGrad = no_grad();
        var sequence = prompt.Select(t => (long)t).ToList();
        List<GenerationEvent> mine = [.. events.Where(e => e.SequenceId == id && e.Token >= 0)];
        Assert.Equal(8, mine.Count);
        Assert.All(events.Where(e => e.SequenceId == other), e => Assert.Null(e.Logprobs));
        foreach (GenerationEvent e in mine)
        {
            Tensor reference = nn.functional.log_softmax(model.call(tensor(sequence.ToArray()).unsqueeze(0))[0, -1], 0);
            float[] expected = reference.data<float>().ToArray();
            TokenLogprobs logprobs = e.Logprobs!;
            Assert.Equal(expected[e.Token], logprobs.Logprob, 1e-5);
            Assert.Equal(5, logprobs.TopTokens.Length);
            int[] top = [.. expected.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Take(5).Select(x => x.i)];
            Assert.Equal(top, logprobs.TopTokens);
            for (int k = 0; k < 5; k++)
            {
                Assert.Equal(expected[top[k]], logprobs.TopLogprobs[k], 1e-5);
            }
            sequence.Add(e.Token);
        }
    }

    [Fact]
    public void ThreeChoicesAreThreeIndependentSeededAnswersFromOnePrefill()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, Chunked with { PrefixCaching = false });
        int[] prompt = Prompt(22, 51); // 22 tokens: 5 full blocks and a partial one, copied for each follower
        var sampling = new SamplingOptions(MaxTokens: 9, Temperature: 1.2, Seed: 70, IgnoreEndOfText: true);

        long[] ids = generator.SubmitMany(prompt, sampling, 3);
        Dictionary<long, List<int>> produced = RunToEnd(generator, ids);

        // The prompt went through the model once; then each choice fed back its 8 tokens after the first.
        Assert.Equal(prompt.Length + (3 * 8), generator.ComputedTokens);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(9, produced[ids[i]].Count);
            AssertPrefixOfReference(model, prompt, sampling with { Seed = 70 + i }, produced[ids[i]]);
        }
        Assert.Equal(3, produced.Values.Select(p => string.Join(',', p)).Distinct().Count());
        Assert.Equal(0, generator.UsedBlocks);
    }

    [Fact]
    public void KvMemoryGrowsWithTheLiveTokensAndAnOversizedRequestIsRefused()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        var options = new GenerationEngineOptions(MaxBatch: 32, MaxQueue: 0, MaxBatchedTokens: 64, BlockSize: 4);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, options);
        long full = 2L * Config.Layers * 32 * Config.ContextLength * Config.Embedding * sizeof(float);

        generator.Generate(Prompt(10, 61), SamplingOptions.Greedy(4));
        Assert.True(generator.KvCacheBytes <= full / 16, $"{generator.KvCacheBytes} bytes held for 14 positions (the maximum is {full})");

        using var small = new BatchedGenerator(model, ByteTokenizer.Instance, options with { KvCacheTokens = 32 });
        var error = Assert.Throws<KvCacheBudgetException>(() => small.Submit(Prompt(20, 62), SamplingOptions.Greedy(20)));
        Assert.Contains("budget is 32", error.Message, StringComparison.Ordinal);
        Assert.Equal((32L, 40L, 1), (error.BudgetPositions, error.PositionsPerChoice, error.Choices));
        // Two that fit alone but not together: the second waits for the first's blocks.
        long a = small.Submit(Prompt(10, 63), SamplingOptions.Greedy(12));
        long b = small.Submit(Prompt(10, 64), SamplingOptions.Greedy(12));
        Dictionary<long, List<int>> produced = RunToEnd(small, [a, b]);
        AssertPrefixOfReference(model, Prompt(10, 64), SamplingOptions.Greedy(12), produced[b]);
    }

    [Fact]
    public async Task TheEngineAdmitsNChoicesAtOnceAndRefusesWhatCanNeverFit()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var engine = new GenerationEngine(model, ByteTokenizer.Instance, new GenerationEngineOptions(MaxBatch: 4, MaxQueue: 2, MaxBatchedTokens: 32, BlockSize: 4, KvCacheTokens: 64));
        var sampling = new SamplingOptions(MaxTokens: 6, Temperature: 1, Seed: 1, IgnoreEndOfText: true);

        Assert.Throws<KvCacheBudgetException>(() => engine.TrySubmit(Prompt(40, 71), SamplingOptions.Greedy(40)));
        Assert.Null(engine.TrySubmitMany(Prompt(8, 72), sampling, 7)); // 4 + 2 places
        IReadOnlyList<GenerationStream> streams = engine.TrySubmitMany(Prompt(8, 72), sampling, 3)!;

        var answers = new List<string>();
        foreach (GenerationStream stream in streams)
        {
            var tokens = new List<int>();
            await foreach (GenerationEvent e in stream.Events.ReadAllAsync())
            {
                if (e.Token >= 0)
                {
                    tokens.Add(e.Token);
                }
            }
            answers.Add(string.Join(',', tokens));
            Assert.Equal(6, tokens.Count);
        }
        Assert.Equal(3, answers.Distinct().Count());
        Assert.Equal(0, engine.Outstanding);
        Assert.True(engine.KvCacheBytes > 0);
    }

    internal static int[] Prompt(int length, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => random.Next(1, 256))];
    }

    private static void Run(BatchedGenerator generator, int[] prompt, SamplingOptions options, string? salt)
    {
        long id = generator.Submit(prompt, options, salt);
        RunToEnd(generator, [id]);
    }

    // The uncached reference (the whole sequence through the model each token, one sequence alone, the same seeded
    // draws) gives these tokens first; where the engine stopped early, the reference's next token is end-of-text.
    private static void AssertPrefixOfReference(Gpt model, int[] prompt, SamplingOptions options, List<int> produced)
    {
        Assert.NotEmpty(produced);
        long[,] reference = NaiveGenerator.Generate(model, [[.. prompt.Select(t => (long)t)]], options.MaxTokens, options, ByteTokenizer.Instance.EndOfTextId);
        int[] expected = [.. Enumerable.Range(0, options.MaxTokens).Select(i => (int)reference[0, i])];
        Assert.Equal(expected.Take(produced.Count), produced);
        if (produced.Count < options.MaxTokens && prompt.Length + produced.Count < Config.ContextLength)
        {
            Assert.Equal(ByteTokenizer.Instance.EndOfTextId, expected[produced.Count]);
        }
    }

    private sealed class FailingTokenizer : ITextTokenizer
    {
        public bool Fail { get; set; }

        public string Spec => ByteTokenizer.Instance.Spec;

        public int VocabularySize => ByteTokenizer.Instance.VocabularySize;

        public int EndOfTextId => ByteTokenizer.Instance.EndOfTextId;

        public ChatRoleTokens? RoleTokens => ByteTokenizer.Instance.RoleTokens;

        public int[] Encode(string text) => ByteTokenizer.Instance.Encode(text);

        public byte[] DecodeBytes(ReadOnlySpan<int> ids) =>
            Fail ? throw new InvalidOperationException("the tokenizer failed") : ByteTokenizer.Instance.DecodeBytes(ids);

        public string Decode(ReadOnlySpan<int> ids) => ByteTokenizer.Instance.Decode(ids);
    }
}
