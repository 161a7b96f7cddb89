using System.Threading.Channels;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Compute.Tests.Models;
using ActorAI.Data.Tokenizers;
using static ActorAI.Compute.Tests.Generation.GenerationRuns;

namespace ActorAI.Compute.Tests.Generation;

public sealed class GenerationEngineTests
{
    private static readonly GptConfig Config = new(Layers: 2, Heads: 2, Embedding: 32, ContextLength: 64, VocabularySize: 256);

    [Fact]
    public async Task ConcurrentRequestsMatchTheirOwnSequentialRun()
    {
        using Gpt model = GptTests.NewModel(Config);
        int[][] prompts = [[72, 101, 108], [87, 111, 114, 108, 100], [65], [66, 67]];
        using var sequential = new BatchedGenerator(model, ByteTokenizer.Instance, maxBatch: 1);
        int[][] expected = [.. prompts.Select((p, i) => sequential.Generate(p, SamplingOptions.Greedy(10 + i)).Tokens)];
        using var engine = new GenerationEngine(model, ByteTokenizer.Instance, maxBatch: 2, maxQueue: 2);

        GenerationStream[] streams = [.. prompts.Select((p, i) => engine.TrySubmit(p, SamplingOptions.Greedy(10 + i))!)];
        int[][] produced = await Task.WhenAll(streams.Select(ReadTokensAsync));

        Assert.Equal(expected, produced);
        Assert.Equal(0, engine.Outstanding);
        Assert.Equal(4, engine.Served);
    }

    [Fact]
    public async Task AdmissionIsBoundedAndCancelledRequestsLeave()
    {
        using Gpt model = GptTests.NewModel(Config);
        using var engine = new GenerationEngine(model, ByteTokenizer.Instance, maxBatch: 1, maxQueue: 1);

        GenerationStream running = engine.TrySubmit([65], SamplingOptions.Greedy(60))!;
        GenerationStream queued = engine.TrySubmit([66], SamplingOptions.Greedy(5))!;
        GenerationStream? refused = engine.TrySubmit([67], SamplingOptions.Greedy(5));
        running.Cancel();
        GenerationEvent last = await LastAsync(running.Events);
        int[] queuedTokens = await ReadTokensAsync(queued);
        GenerationStream? admittedAgain = engine.TrySubmit([68], SamplingOptions.Greedy(3));
        int[] again = await ReadTokensAsync(admittedAgain!);

        Assert.Null(refused);
        Assert.Equal(FinishReason.Cancelled, last.Finish);
        Assert.Equal(5, queuedTokens.Length);
        Assert.Equal(3, again.Length);
        Assert.Throws<ArgumentException>(() => engine.TrySubmit([1], SamplingOptions.Greedy(0)));
    }

    [Fact]
    public async Task APromptThatDoesNotFitIsRefusedAtSubmissionAndOthersGoOn()
    {
        using Gpt model = GptTests.NewModel(Config);
        using var engine = new GenerationEngine(model, ByteTokenizer.Instance, maxBatch: 2, maxQueue: 0);

        Assert.Contains("context length", Assert.Throws<ArgumentException>(() => engine.TrySubmit([.. Enumerable.Repeat(65, 64)], SamplingOptions.Greedy(3))).Message, StringComparison.Ordinal);
        Assert.Equal(0, engine.Outstanding);
        int[] fine = await ReadTokensAsync(engine.TrySubmit([65], SamplingOptions.Greedy(4))!);

        Assert.Equal(4, fine.Length);
        Assert.Null(engine.Fault);
    }

    [Fact]
    public void IgnoringEndOfTextGeneratesEveryTokenAskedFor()
    {
        using Gpt model = GptTests.NewModel(Config);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, maxBatch: 1);
        // Temperature 100 makes sampling near-uniform: among 16 seeded runs of 60 tokens, end-of-text (id 0) comes up.
        var plain = Enumerable.Range(0, 16).Select(seed => generator.Generate([65], new SamplingOptions(60, Temperature: 100, Seed: seed))).ToList();
        var ignoring = Enumerable.Range(0, 16).Select(seed => generator.Generate([65], new SamplingOptions(60, Temperature: 100, Seed: seed, IgnoreEndOfText: true))).ToList();

        Assert.Contains(plain, r => r.Finish == FinishReason.Stop && r.Tokens.Length < 60);
        Assert.All(ignoring, r => Assert.Equal((60, FinishReason.Length), (r.Tokens.Length, r.Finish)));
        Assert.All(ignoring, r => Assert.DoesNotContain(ByteTokenizer.Instance.EndOfTextId, r.Tokens));
    }

    private static async Task<GenerationEvent> LastAsync(ChannelReader<GenerationEvent> events)
    {
        GenerationEvent? last = null;
        await foreach (GenerationEvent e in events.ReadAllAsync())
        {
            last = e;
        }
        return last!;
    }
}
