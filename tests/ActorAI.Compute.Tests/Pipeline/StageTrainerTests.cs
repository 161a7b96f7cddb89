using ActorAI.Compute.Models;
using ActorAI.Compute.Pipeline;
using ActorAI.Compute.Training;
using ActorAI.Data.Datasets;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests.Pipeline;

public sealed class StageTrainerTests
{
    private static readonly GptConfig Tied = new(Layers: 3, Heads: 2, Embedding: 16, ContextLength: 16, VocabularySize: 40);
    private static readonly GptConfig Untied = Tied with { TiedHead = false };

    public static TheoryData<bool, int> Shapes => new() { { true, 1 }, { true, 2 }, { true, 3 }, { false, 2 }, { false, 3 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GPipeOverStagesAccumulatesTheWholeModelsGradient(bool tied, int stages)
    {
        GptConfig config = tied ? Tied : Untied;
        const int Micro = 3;
        TokenBatch batch = RandomBatch(config, rows: 6, blockSize: 8, seed: 5);
        IReadOnlyList<TokenBatch> micro = MicroBatches.Split(batch, Micro);
        using var model = Gpt.Create(config, seed: 9);
        var layout = new ParameterLayout(model);
        var parameters = new float[layout.Count];
        layout.ReadParameters(parameters);
        var expected = new float[layout.Count];
        double expectedLoss = 0;
        using (NewDisposeScope())
        {
            model.zero_grad();
            foreach (TokenBatch m in micro)
            {
                expectedLoss += ReferenceTrainer.ForwardBackward(model, m, 1.0 / Micro, CPU);
            }
            layout.ReadGradients(expected);
        }

        StageTrainer[] trainers = [.. PipelinePartition.Split(config, stages).Select(r => new StageTrainer(config, r))];
        double loss = 0;
        foreach (StageTrainer t in trainers)
        {
            var own = new float[t.Map.Count];
            foreach (StageRun run in t.Map.Runs)
            {
                parameters.AsSpan((int)run.ModelOffset, (int)run.Length).CopyTo(own.AsSpan((int)run.StageOffset));
            }
            t.Load(own);
        }
        for (int m = 0; m < Micro; m++)
        {
            (float[] Values, long[] Shape)? x = null;
            foreach (StageTrainer t in trainers)
            {
                x = t.Forward(m, micro[m].Rows, micro[m].BlockSize, micro[m].Inputs, x?.Values, x?.Shape, micro[m].Targets, out double l);
                loss += l / Micro;
            }
        }
        for (int m = Micro - 1; m >= 0; m--)
        {
            (float[] Values, long[] Shape)? g = null;
            foreach (StageTrainer t in trainers.Reverse())
            {
                g = t.Backward(m, g?.Values, 1.0 / Micro);
            }
            Assert.Null(g); // the first stage's input is tokens
        }
        float[][] gradients = [.. trainers.Select(t => { var g = new float[t.Map.Count]; t.ReadGradients(g); return g; })];
        if (trainers[^1].Map.TiedEmbedding is { } head && trainers[0].Map.TiedEmbedding is { } embedding)
        {
            StageParameterMap.Add(gradients[0].AsSpan((int)embedding.StageOffset, (int)embedding.Length),
                gradients[^1].AsSpan((int)head.StageOffset, (int)head.Length));
        }
        var actual = new float[layout.Count];
        var covered = new int[layout.Count];
        for (int s = 0; s < stages; s++)
        {
            foreach (StageRun run in trainers[s].Map.PushRuns)
            {
                gradients[s].AsSpan((int)run.StageOffset, (int)run.Length).CopyTo(actual.AsSpan((int)run.ModelOffset));
                covered.AsSpan((int)run.ModelOffset, (int)run.Length).Fill(covered[(int)run.ModelOffset] + 1);
            }
        }

        Assert.All(covered, c => Assert.Equal(1, c)); // every parameter's gradient is pushed by exactly one stage
        Assert.Equal(expectedLoss, loss, 1e-5);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 + 1e-4 * Math.Abs(expected[i]), $"gradient {i}: {actual[i]} vs {expected[i]}");
        }
        Assert.All(trainers, t => Assert.Equal(0, t.Kept));
        foreach (StageTrainer t in trainers)
        {
            t.Dispose();
        }
    }

    [Fact]
    public void OnlyASplitTiedModelHandsTheHeadsEmbeddingGradientOver()
    {
        IReadOnlyList<StageRange> two = PipelinePartition.Split(Tied, 2);
        StageParameterMap first = StageParameterMap.For(Tied, two[0]);
        StageParameterMap last = StageParameterMap.For(Tied, two[1]);
        long embedding = (long)Tied.VocabularySize * Tied.Embedding;

        Assert.Equal(new StageRun(0, 0, embedding), first.TiedEmbedding);
        Assert.Equal(new StageRun(0, 0, embedding), last.TiedEmbedding);
        Assert.Contains(first.PushRuns, r => r.ModelOffset == 0);            // the first stage pushes the sum
        Assert.DoesNotContain(last.PushRuns, r => r.ModelOffset < embedding); // the last pulls the matrix but does not push it
        Assert.Contains(last.Runs, r => r.ModelOffset == 0);
        Assert.Null(StageParameterMap.For(Tied, PipelinePartition.Split(Tied, 1)[0]).TiedEmbedding);
        Assert.Null(StageParameterMap.For(Untied, PipelinePartition.Split(Untied, 2)[1]).TiedEmbedding);
        Assert.Null(StageParameterMap.For(Tied, PipelinePartition.Split(Tied, 3)[1]).TiedEmbedding);
    }

    [Fact]
    public void PiecesSplitRunsAtShardBoundsAndMessageSize()
    {
        StageParameterMap map = StageParameterMap.For(Tied, PipelinePartition.Split(Tied, 2)[1]);
        const int Shards = 3, Max = 250;

        IReadOnlyList<ShardPiece> pieces = map.Pieces(map.Runs, Shards, Max);

        Assert.All(pieces, p => Assert.InRange(p.Length, 1, Max));
        Assert.All(pieces, p => Assert.True(p.ShardOffset + p.Length <= ParameterLayout.ShardRange(map.ModelCount, p.Shard, Shards).Length));
        var stageElements = pieces.SelectMany(p => Enumerable.Range((int)p.StageOffset, p.Length)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, (int)map.Count), stageElements); // every stage element once
        foreach (ShardPiece p in pieces)
        {
            long model = ParameterLayout.ShardRange(map.ModelCount, p.Shard, Shards).Offset + p.ShardOffset;
            StageRun run = map.Runs.Single(r => r.StageOffset <= p.StageOffset && p.StageOffset < r.StageOffset + r.Length);
            Assert.Equal(run.ModelOffset + (p.StageOffset - run.StageOffset), model);
        }
    }

    [Theory]
    [InlineData(2, 4, null, 4)]
    [InlineData(2, 3, null, 3)]
    [InlineData(3, 8, null, 4)]
    [InlineData(4, 7, null, 7)]
    [InlineData(2, 1, null, 1)]
    [InlineData(2, 8, 2, 2)]
    public void MicroBatchCountDefaultsToTwicePerStageDividingTheRows(int stages, int rows, int? requested, int expected) =>
        Assert.Equal(expected, MicroBatches.Count(stages, rows, requested));

    [Fact]
    public void MicroBatchesAreConsecutiveEqualRows()
    {
        TokenBatch batch = RandomBatch(Tied, rows: 6, blockSize: 4, seed: 1);

        IReadOnlyList<TokenBatch> parts = MicroBatches.Split(batch, 3);

        Assert.All(parts, p => Assert.Equal(2, p.Rows));
        Assert.Equal(batch.Inputs, parts.SelectMany(p => p.Inputs));
        Assert.Equal(batch.Targets, parts.SelectMany(p => p.Targets));
        Assert.Equal(batch.BlockIndices, parts.SelectMany(p => p.BlockIndices));
        var error = Assert.Throws<ArgumentException>(() => MicroBatches.Count(2, 6, 4));
        Assert.Contains("MicroBatches (4)", error.Message, StringComparison.Ordinal);
    }

    private static TokenBatch RandomBatch(GptConfig config, int rows, int blockSize, int seed)
    {
        var rng = new Random(seed);
        int[] inputs = [.. Enumerable.Range(0, rows * blockSize).Select(_ => rng.Next(config.VocabularySize))];
        int[] targets = [.. Enumerable.Range(0, rows * blockSize).Select(_ => rng.Next(config.VocabularySize))];
        return new TokenBatch(0, 0, blockSize, inputs, targets, [.. Enumerable.Range(0, rows).Select(i => (long)i)]);
    }
}
