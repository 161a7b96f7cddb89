using System.Text;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Compute.Tests.Models;
using ActorAI.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests.Generation;

public sealed class BatchedGeneratorTests
{
    private static readonly GptConfig Config = new(Layers: 2, Heads: 2, Embedding: 32, ContextLength: 32, VocabularySize: 256);

    [Fact]
    public void CachedBatchedGreedyOutputIsTokenIdenticalToUncached()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        int[][] prompts = [[72, 101, 108], [87, 111, 114, 108, 100, 33, 32], [65]];
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, maxBatch: 2);

        // Three prompts through two slots: the third joins when the first one leaves.
        long[] ids = [.. prompts.Select((p, i) => generator.Submit(p, SamplingOptions.Greedy(6 + (3 * i))))];
        var produced = ids.ToDictionary(id => id, _ => new List<int>());
        while (generator.HasWork)
        {
            foreach (GenerationEvent e in generator.Step())
            {
                if (e.Token >= 0)
                {
                    produced[e.SequenceId].Add(e.Token);
                }
            }
        }

        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(UncachedGreedy(model, prompts[i], produced[ids[i]].Count), produced[ids[i]]);
            Assert.Equal(6 + (3 * i), produced[ids[i]].Count);
        }
    }

    [Fact]
    public void SeededSamplingIsReproducibleAndTopKOneIsGreedy()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, maxBatch: 4);
        int[] prompt = [1, 2, 3];

        var a = generator.Generate(prompt, new SamplingOptions(MaxTokens: 10, Temperature: 1.5, TopP: 0.9, Seed: 42));
        var b = generator.Generate(prompt, new SamplingOptions(MaxTokens: 10, Temperature: 1.5, TopP: 0.9, Seed: 42));
        var topOne = generator.Generate(prompt, new SamplingOptions(MaxTokens: 10, Temperature: 0.7, TopK: 1, Seed: 3));
        var greedy = generator.Generate(prompt, SamplingOptions.Greedy(10));

        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(greedy.Tokens, topOne.Tokens);
        Assert.Equal(FinishReason.Length, greedy.Finish);
    }

    [Fact]
    public void CancelledSequencesLeaveAndOthersContinue()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, maxBatch: 4);
        long keep = generator.Submit([5, 6], SamplingOptions.Greedy(5));
        long drop = generator.Submit([7, 8], SamplingOptions.Greedy(50));
        generator.Step();

        generator.Cancel(drop);
        var events = new List<GenerationEvent>();
        while (generator.HasWork)
        {
            events.AddRange(generator.Step());
        }

        Assert.Contains(events, e => e.SequenceId == drop && e.Finish == FinishReason.Cancelled);
        Assert.Contains(events, e => e.SequenceId == keep && e.Finish == FinishReason.Length);
        Assert.Equal(0, generator.Active);
    }

    [Fact]
    public void BadPromptsAreRejectedWithTheLimitNamed()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, maxBatch: 1);

        Assert.Contains("context length", Assert.Throws<ArgumentException>(() => generator.Submit(new int[32], SamplingOptions.Greedy(1))).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => generator.Submit([], SamplingOptions.Greedy(1))).Message, StringComparison.Ordinal);
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => generator.Submit([300], SamplingOptions.Greedy(1))).Message, StringComparison.Ordinal);
        Assert.Contains("TopP", Assert.Throws<ArgumentException>(() => generator.Submit([1], new SamplingOptions(TopP: 0))).Message, StringComparison.Ordinal);
        Assert.Contains("MaxTokens", Assert.Throws<ArgumentException>(() => generator.Submit([1], new SamplingOptions(MaxTokens: -1))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GenerationStopsAtTheContextLength()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Config);
        using var generator = new BatchedGenerator(model, ByteTokenizer.Instance, maxBatch: 1);

        var result = generator.Generate(Enumerable.Repeat(65, 30).ToArray(), SamplingOptions.Greedy(100));

        Assert.Equal(FinishReason.Length, result.Finish);
        // Prefill predicts position 30; positions 30 and 31 are then fed back, predicting 31 and 32: the context is full.
        Assert.Equal(3, result.Tokens.Length);
    }

    [Theory]
    [InlineData(new[] { "Hello wor", "ld. Bye" }, "END", "Hello world. Bye", false)]
    [InlineData(new[] { "Hello\n", "\nmore" }, "\n\n", "Hello", true)]
    [InlineData(new[] { "ab", "c", "d" }, "cd", "ab", true)]
    [InlineData(new[] { "ab", "c", "x" }, "cd", "abcx", false)]
    public void StopSequencesAreWithheldEvenAcrossTokens(string[] pieces, string stop, string expected, bool stopped)
    {
        var filter = new StopSequenceFilter([stop]);
        var released = new StringBuilder();
        bool hit = false;
        foreach (string piece in pieces)
        {
            (string delta, bool s) = filter.Add(Encoding.UTF8.GetBytes(piece));
            released.Append(delta);
            if (s)
            {
                hit = true;
                break;
            }
        }
        if (!hit)
        {
            released.Append(filter.Flush());
        }

        Assert.Equal(expected, released.ToString());
        Assert.Equal(stopped, hit);
    }

    [Fact]
    public void MultiByteCharactersSplitAcrossTokensAreReleasedWhole()
    {
        var filter = new StopSequenceFilter(null);
        byte[] euro = Encoding.UTF8.GetBytes("€");

        (string first, _) = filter.Add(euro.AsSpan(0, 1));
        (string second, _) = filter.Add(euro.AsSpan(1));

        Assert.Equal("", first);
        Assert.Equal("€", second);
    }

    private static List<int> UncachedGreedy(Gpt model, int[] prompt, int count)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tokens = prompt.Select(t => (long)t).ToList();
        var output = new List<int>();
        for (int i = 0; i < count; i++)
        {
            long next = model.call(tensor(tokens.ToArray()).unsqueeze(0))[0, -1].argmax().item<long>();
            tokens.Add(next);
            output.Add((int)next);
        }
        return output;
    }
}
