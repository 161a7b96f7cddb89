using System.Threading.Channels;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Compute.Pipeline;
using ActorAI.Compute.Tests.Generation;
using ActorAI.Compute.Tests.Models;
using ActorAI.Data.Tokenizers;
using static TorchSharp.torch;
using static ActorAI.Compute.Tests.Generation.GenerationRuns;

namespace ActorAI.Compute.Tests.Pipeline;

/// <summary>
/// Pipeline serving against the whole model in one process: the same engine over a <see cref="PipelineModel"/> whose
/// stages run in <see cref="StageExecutor"/>s gives the same tokens, through micro-batches, message-sized chunks,
/// copy-on-write forks, prefix-cache hits and a stage that loses its KV cache mid-generation.
/// </summary>
public sealed class PipelineServingTests
{
    private static readonly GptConfig Config = new(Layers: 3, Heads: 2, Embedding: 32, ContextLength: 96, VocabularySize: 256);

    // Small blocks and a small step budget: prompts are prefilled in several chunks, across block boundaries.
    private static readonly GenerationEngineOptions Chunked = new(MaxBatch: 4, MaxQueue: 0, MaxBatchedTokens: 12, BlockSize: 4);

    // Calls of at most 3 rows of logits (256 floats each) or 24 tokens of hidden state (32 floats each).
    private const long SmallMessages = 3 * 256 * 4;

    // Stages, temperature, message limit, step token budget (48: prefill chunks of more than 24 tokens go in two calls).
    public static TheoryData<int, double, long, int> Pipelines => new()
    {
        { 2, 0.0, PipelineModel.DefaultMaxMessageBytes, 12 },
        { 2, 0.9, SmallMessages, 12 },
        { 3, 0.0, SmallMessages, 48 },
        { 3, 0.9, PipelineModel.DefaultMaxMessageBytes, 12 },
    };

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void PipelineGenerationGivesTheTokensOfTheWholeModel(int stages, double temperature, long maxMessageBytes, int stepTokens)
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        GenerationEngineOptions options = Chunked with { MaxBatchedTokens = stepTokens };
        using var transport = new InProcessStages(model, stages, options.BlockSize, MaxBlocks(options));
        var pipeline = new PipelineModel(Config, stages, transport, maxMessageBytes: maxMessageBytes);
        using var whole = new BatchedGenerator(model, ByteTokenizer.Instance, options);
        using var split = new BatchedGenerator(pipeline, ByteTokenizer.Instance, options);
        SamplingOptions Options(int i) => new(MaxTokens: 14, Temperature: temperature, TopP: temperature > 0 ? 0.95 : 1, Seed: 100 + i, IgnoreEndOfText: true);
        int[] system = PagedGenerationTests.Prompt(21, 1);

        // Mixed lengths (two longer than a step budget of 12), three choices of one prompt (forks copy its partial
        // block), then a prompt that shares a cached prefix of 20 tokens with the first.
        var batches = new List<Func<BatchedGenerator, long[]>>
        {
            g => [g.Submit([.. system, 7, 8, 9], Options(0)), g.Submit(PagedGenerationTests.Prompt(5, 2), Options(1)), .. g.SubmitMany(PagedGenerationTests.Prompt(18, 3), Options(2), 3), g.Submit(PagedGenerationTests.Prompt(9, 4), Options(3))],
            g => [g.Submit([.. system, 10, 11], Options(4)), g.Submit(PagedGenerationTests.Prompt(30, 5), Options(5))],
        };
        foreach (Func<BatchedGenerator, long[]> submit in batches)
        {
            Dictionary<long, List<int>> expected = RunToEnd(whole, submit(whole));
            Dictionary<long, List<int>> produced = RunToEnd(split, submit(split));

            Assert.Equal(expected.Values, produced.Values);
        }
        Assert.Equal(whole.PrefixCacheHits, split.PrefixCacheHits);
        Assert.True(split.PrefixCacheHits >= 20);
        Assert.Equal(0, split.KvCacheBytes); // the coordinator holds block tables only
        PipelineCounters counters = pipeline.Counters;
        Assert.True(counters.Steps > 0 && counters.BytesSent > 0 && counters.BytesReceived > 0);
        Assert.Equal(0, counters.Replays);
        Assert.Equal(stages, counters.StageBusy.Count);
        Assert.All(counters.StageBusy, busy => Assert.True(busy > TimeSpan.Zero));
        if (maxMessageBytes == SmallMessages)
        {
            // Every step through every stage, and more: decodes of more than 3 sequences went in several calls.
            Assert.True(counters.StageCalls > counters.Steps * stages, $"{counters.StageCalls} calls for {counters.Steps} steps");
        }
    }

    [Theory]
    [InlineData(2, 1, 12, false)]
    [InlineData(2, 1, 13, false)]
    [InlineData(3, 1, 12, false)]
    [InlineData(3, 2, 17, false)]
    [InlineData(3, 0, 12, true)]
    public async Task AStageThatLosesItsCacheMidGenerationIsRebuiltAndEveryStreamGivesTheUninterruptedTokens(int stages, int lost, int atCall, bool told)
    {
        using Gpt model = GptTests.NewModel(Config);
        var options = new GenerationEngineOptions(MaxBatch: 8, MaxQueue: 0, MaxBatchedTokens: 24, BlockSize: 4);
        int[][] prompts = [.. Enumerable.Range(0, 8).Select(i => PagedGenerationTests.Prompt(3 + (5 * i), 40 + i))];
        SamplingOptions Options(int i) => i % 2 == 0
            ? SamplingOptions.Greedy(16) with { IgnoreEndOfText = true }
            : new SamplingOptions(MaxTokens: 16, Temperature: 0.8, Seed: i, IgnoreEndOfText: true);
        int[][] expected;
        using (var engine = new GenerationEngine(model, ByteTokenizer.Instance, options))
        {
            expected = await Task.WhenAll(prompts.Select((p, i) => ReadTokensAsync(engine.TrySubmit(p, Options(i))!)));
        }

        using var transport = new InProcessStages(model, stages, options.BlockSize, MaxBlocks(options));
        var pipeline = new PipelineModel(Config, stages, transport);
        if (told)
        {
            // The stage is reactivated between steps and the coordinator hears of it (as from a grain's lifecycle).
            transport.BeforeCall = (stage, call) =>
            {
                if (stage == lost && call == atCall)
                {
                    transport.Lose(lost);
                    pipeline.NotifyReset(lost);
                }
                return Task.CompletedTask;
            };
        }
        else
        {
            transport.LoseStage = lost;
            transport.LoseAtCall = atCall;
        }
        int[][] produced;
        using (var engine = new GenerationEngine(pipeline, ByteTokenizer.Instance, options))
        {
            produced = await Task.WhenAll(prompts.Select((p, i) => ReadTokensAsync(engine.TrySubmit(p, Options(i))!)));
        }

        Assert.Equal(expected, produced);
        Assert.Equal(1, pipeline.Counters.Replays);
        Assert.True(pipeline.Counters.ReplayedTokens > 0);
        Assert.Equal(stages + 1, transport.Resets); // each stage's first epoch, and the lost one again
    }

    [Fact]
    public void CachedPrefixesAStageLostAreNotReusedAfterItsReset()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var transport = new InProcessStages(model, 2, Chunked.BlockSize, MaxBlocks(Chunked));
        var pipeline = new PipelineModel(Config, 2, transport);
        using var whole = new BatchedGenerator(model, ByteTokenizer.Instance, Chunked with { PrefixCaching = false });
        using var split = new BatchedGenerator(pipeline, ByteTokenizer.Instance, Chunked);
        int[] system = PagedGenerationTests.Prompt(24, 9);
        var sampling = SamplingOptions.Greedy(8) with { IgnoreEndOfText = true };

        Assert.Equal(whole.Generate([.. system, 1], sampling).Tokens, split.Generate([.. system, 1], sampling).Tokens);
        Assert.True(split.CachedBlocks > 0);
        // Stage 1 is lost during another request; the cached blocks nobody held went with its keys.
        transport.LoseStage = 1;
        transport.LoseAtCall = transport.Calls(1);
        Assert.Equal(whole.Generate(PagedGenerationTests.Prompt(6, 10), sampling).Tokens, split.Generate(PagedGenerationTests.Prompt(6, 10), sampling).Tokens);
        var again = split.Generate([.. system, 2], sampling);

        // So the second prompt over the same prefix is computed in full, and right.
        Assert.Equal(0, split.PrefixCacheHits);
        Assert.Equal(whole.Generate([.. system, 2], sampling).Tokens, again.Tokens);
        Assert.Equal(1, pipeline.Counters.Replays);
    }

    [Fact]
    public async Task MicroBatchesOverlapAcrossStages()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        var options = new GenerationEngineOptions(MaxBatch: 4, MaxQueue: 0, MaxBatchedTokens: 64, BlockSize: 4);
        using var transport = new InProcessStages(model, 2, options.BlockSize, MaxBlocks(options));
        var pipeline = new PipelineModel(Config, 2, transport, microBatches: 2);
        using var generator = new BatchedGenerator(pipeline, ByteTokenizer.Instance, options);
        // Stage 1's first call of the step waits until stage 0 has started the second micro-batch: a coordinator that
        // ran the micro-batches one after the other would never get there.
        var secondStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.BeforeCall = async (stage, call) =>
        {
            if (stage == 0 && call == 1)
            {
                secondStarted.TrySetResult();
            }
            else if (stage == 1 && call == 0)
            {
                await secondStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
        };

        generator.Submit(PagedGenerationTests.Prompt(10, 1), SamplingOptions.Greedy(1));
        generator.Submit(PagedGenerationTests.Prompt(12, 2), SamplingOptions.Greedy(1));
        generator.Step();

        Assert.True(secondStarted.Task.IsCompletedSuccessfully);
        var stage0 = transport.Intervals.Where(i => i.Stage == 0).ToList();
        var stage1 = transport.Intervals.Where(i => i.Stage == 1).ToList();
        Assert.Equal(2, stage0.Count);
        Assert.Equal(2, stage1.Count);
        Assert.True(stage0[1].Start < stage1[0].End);
        Assert.Equal(22, stage0.Sum(i => i.Tokens));
        await Task.CompletedTask;
    }

    [Fact]
    public void AStageRejectsAnInconsistentStepNamingTheField()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        StageRange range = PipelinePartition.Split(Config, 2)[1];
        using var stage = new GptStage(Config, range);
        using var executor = new StageExecutor(stage, blockSize: 4, maxBlocks: 8);
        int c = Config.Embedding;
        // Three tokens of one sequence prefilled from position 0, then one decode over its 4 positions.
        var valid = new StageStep([], [0, 1, 2], [4, 5, 6], [new StageGroup(0, 3, true, 0, 3, null, 0, 0, 0, null, null)], [2], new float[3 * c], []);
        var decode = new StageStep([], [3], [7], [new StageGroup(0, 1, false, 0, 4, [1], 1, 1, 0, null, null)], [0], new float[c], []);

        Assert.Throws<StageResetException>(() => executor.Step(valid)); // no cache epoch yet
        executor.Reset();
        Assert.Equal(Config.VocabularySize, executor.Step(valid).Length);
        (StageStep Step, string Field)[] bad =
        [
            (valid with { Positions = [0, 1] }, "Positions"),
            (valid with { Hidden = new float[2 * c] }, "Hidden"),
            (valid with { WriteRows = [4, 5, 32] }, "WriteRows"),
            (valid with { Positions = [0, 1, 96] }, "Positions"),
            (valid with { Groups = [new StageGroup(0, 2, true, 0, 2, null, 0, 0, 0, null, null)] }, "Groups"),
            (valid with { Groups = [new StageGroup(1, 3, true, 0, 3, null, 0, 0, 0, null, null)] }, "Groups[0].Start"),
            (valid with { SampleRows = [3] }, "SampleRows"),
            (valid with { Copies = [new BlockCopy(1, 8, 2)] }, "Copies[0]"),
            (valid with { Copies = [new BlockCopy(1, 2, 5)] }, "Copies[0].Positions"),
            (decode with { Groups = [new StageGroup(0, 1, false, 0, 4, [9], 1, 1, 0, null, null)] }, "Groups[0].Blocks"),
            (decode with { Groups = [new StageGroup(0, 1, false, 0, 4, [1, 2], 1, 1, 0, null, null)] }, "Groups[0].Blocks"),
            (decode with { Groups = [new StageGroup(0, 1, false, 0, 4, [1], 1, 1, 0, new bool[4], [1, 4])] }, "Groups[0].MaskShape"),
            (decode with { Groups = [new StageGroup(0, 1, false, 0, 4, [1], 1, 1, 0, new bool[3], [1, 1, 1, 4])] }, "Groups[0].Mask"),
            (decode with { Groups = [new StageGroup(0, 1, false, 0, 4, null, 0, 0, 30, null, null)] }, "Groups[0].FirstRow"),
            (decode with { Groups = [new StageGroup(0, 1, false, 2, 4, [1], 1, 1, 0, null, null)] }, "Groups[0].Past"),
            (decode with { Groups = [new StageGroup(0, 1, true, 1, 4, [1], 1, 1, 0, null, null)] }, "Groups[0].Past"),
            (decode with { Hidden = null! }, "Hidden"),
        ];
        foreach ((StageStep step, string field) in bad)
        {
            var error = Assert.Throws<ArgumentException>(() => executor.Step(step));
            Assert.Equal(field, error.ParamName);
            Assert.Contains($"StageStep.{field} ", error.Message, StringComparison.Ordinal);
        }
        using var first = new StageExecutor(new GptStage(Config, PipelinePartition.Split(Config, 2)[0]), 4, 8);
        first.Reset();
        Assert.Equal("Tokens", Assert.Throws<ArgumentException>(() => first.Step(valid with { Tokens = [1, 2, 256], Hidden = [] })).ParamName);
        // After all that, the stage still serves: the decode attends over the 3 prefilled positions and its own.
        Assert.Equal(Config.VocabularySize, executor.Step(decode).Length);
    }

    private static int MaxBlocks(GenerationEngineOptions options) => options.KvCacheBlocks(Config.ContextLength);
}
