using System.Collections.Concurrent;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Compute.Tests.Models;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Compute.Tests.Generation;

public sealed class GenerationObserverTests
{
    private static readonly GptConfig Config = new(Layers: 2, Heads: 2, Embedding: 32, ContextLength: 64, VocabularySize: 256);

    [Fact]
    public async Task EachRequestReportsOneFirstTokenItsGapsAndOneEnd()
    {
        using Gpt model = GptTests.NewModel(Config);
        var observer = new RecordingObserver();
        using var engine = new GenerationEngine(model, ByteTokenizer.Instance, maxBatch: 2, maxQueue: 2, observer: observer);
        var options = new SamplingOptions(8, Temperature: 0, IgnoreEndOfText: true);

        GenerationStream[] streams = [engine.TrySubmit([72, 101, 108], options)!, engine.TrySubmit([65], options with { MaxTokens = 5 })!];
        await Task.WhenAll(streams.Select(s => s.Ended));
        double usageAfter = engine.CacheUsage;

        Assert.Equal([1, 3], observer.First.Select(f => f.Prompt).Order());
        Assert.All(observer.First, f => Assert.InRange(f.Queue, 0, f.Ttft));
        Assert.Equal(7 + 4, observer.Gaps.Count);
        Assert.All(observer.Gaps, g => Assert.True(g >= 0));
        Assert.Equal([(1, 5), (3, 8)], observer.Ends.Select(e => (e.Prompt, e.Generated)).Order());
        Assert.All(observer.Ends, e => Assert.Equal(FinishReason.Length, e.Reason));
        Assert.All(observer.Ends, e => Assert.True(e.E2e >= observer.First.Min(f => f.Ttft) && e.PerToken > 0));
        Assert.Equal(0, usageAfter); // every sequence left the cache
    }

    [Fact]
    public async Task CacheUsageCountsHeldPositions()
    {
        using Gpt model = GptTests.NewModel(Config);
        using var engine = new GenerationEngine(model, ByteTokenizer.Instance, maxBatch: 2, maxQueue: 0);
        GenerationStream stream = engine.TrySubmit([1, 2, 3, 4], new SamplingOptions(60, Temperature: 0, IgnoreEndOfText: true))!;

        // After the first token, one slot holds at least the 4 prompt positions: 4 / (2 slots × 64) or more.
        Assert.True(await stream.Events.WaitToReadAsync());
        double usage = engine.CacheUsage;
        stream.Cancel();
        await stream.Ended;

        Assert.InRange(usage, 4.0 / 128, 0.5);
    }

    private sealed class RecordingObserver : IGenerationObserver
    {
        public ConcurrentBag<(int Prompt, double Queue, double Ttft)> First { get; } = [];
        public ConcurrentBag<double> Gaps { get; } = [];
        public ConcurrentBag<(FinishReason Reason, int Prompt, int Generated, double E2e, double? PerToken)> Ends { get; } = [];

        public void OnFirstToken(int promptTokens, double queueSeconds, double timeToFirstTokenSeconds) =>
            First.Add((promptTokens, queueSeconds, timeToFirstTokenSeconds));

        public void OnToken(double interTokenSeconds) => Gaps.Add(interTokenSeconds);

        public void OnFinished(FinishReason reason, int promptTokens, int generatedTokens, double endToEndSeconds, double? timePerOutputTokenSeconds) =>
            Ends.Add((reason, promptTokens, generatedTokens, endToEndSeconds, timePerOutputTokenSeconds));
    }
}
