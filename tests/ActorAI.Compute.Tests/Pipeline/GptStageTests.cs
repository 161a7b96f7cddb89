using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Compute.Pipeline;
using ActorAI.Compute.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests.Pipeline;

public sealed class GptStageTests
{
    private static readonly GptConfig Tied = new(Layers: 5, Heads: 2, Embedding: 32, ContextLength: 16, VocabularySize: 50);
    private static readonly GptConfig Untied = Tied with { TiedHead = false, Bias = false };

    public static TheoryData<bool, int> Shapes => new() { { true, 1 }, { true, 2 }, { true, 3 }, { false, 2 }, { false, 5 } };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ParameterShapesFromTheConfigurationMatchTheModel(bool tied)
    {
        GptConfig config = tied ? Tied : Untied;
        using var model = Gpt.Create(config, seed: 1);

        var expected = model.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))).ToList();
        var derived = config.ParameterShapes().Select(p => (p.Name, string.Join(",", p.Shape))).ToList();

        Assert.Equal(expected, derived);
        Assert.Equal(new ParameterLayout(model).Segments, ParameterLayout.For(config).Segments);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ChainedStagesComputeWhatTheWholeModelDoes(bool tied, int stages)
    {
        GptConfig config = tied ? Tied : Untied;
        using var scope = NewDisposeScope();
        using var model = Gpt.Create(config, seed: 7);
        GptStage[] parts = [.. PipelinePartition.Split(config, stages).Select(r => new GptStage(config, r))];
        var wholeParameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (GptStage part in parts)
        {
            using var noGrad = no_grad();
            foreach ((string name, Parameter p) in part.named_parameters())
            {
                p.copy_(wholeParameters[name]); // every stage name is a name of the whole model
            }
        }
        Tensor idx = randint(0, config.VocabularySize, [2, 9], dtype: ScalarType.Int64);

        Tensor expected = model.call(idx);
        Tensor x = idx;
        foreach (GptStage part in parts)
        {
            x = part.call(x);
        }

        Assert.Equal(expected.shape, x.shape);
        Assert.True(allclose(expected, x, rtol: 1e-5, atol: 1e-6));
        foreach (GptStage part in parts)
        {
            Assert.Equal(
                PipelinePartition.ParameterShapes(config, part.Range).Select(p => p.Name),
                part.named_parameters().Select(p => p.name));
            Assert.Equal(PipelinePartition.ParameterCount(config, part.Range), part.parameters().Sum(p => p.numel()));
            part.Dispose();
        }
    }

    [Fact]
    public void TheSplitCoversEveryBlockOnceAndBalancesParameters()
    {
        GptConfig gpt2 = GptConfig.Preset("gpt2", 50257);
        for (int stages = 1; stages <= 4; stages++)
        {
            IReadOnlyList<StageRange> ranges = PipelinePartition.Split(gpt2, stages);

            Assert.Equal(stages, ranges.Count);
            Assert.Equal(0, ranges[0].FirstLayer);
            Assert.Equal(gpt2.Layers, ranges[^1].EndLayer);
            Assert.All(ranges.Zip(ranges.Skip(1)), pair => Assert.Equal(pair.First.EndLayer, pair.Second.FirstLayer));
            Assert.All(ranges, r => Assert.True(r.Layers >= 1));
            long largest = ranges.Max(r => PipelinePartition.ParameterCount(gpt2, r));
            long block = gpt2.BlockShapes(0).Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));
            long total = ranges.Sum(r => PipelinePartition.ParameterCount(gpt2, r));
            // No stage exceeds an even share by more than one block (the embeddings and head are indivisible).
            Assert.True(largest <= Math.Max(total / stages + block, PipelinePartition.ParameterCount(gpt2, ranges[0])), $"stages {stages}: largest {largest}");
        }
        var error = Assert.Throws<ArgumentException>(() => PipelinePartition.Split(Tied, 6));
        Assert.Contains("stages", error.Message);
        Assert.Contains("5", error.Message);
    }

    [Fact]
    public void AStageLoadsOnlyItsPartOfACheckpoint()
    {
        string dir = Directory.CreateTempSubdirectory("actorai-stage-").FullName;
        using var scope = NewDisposeScope();
        using var model = Gpt.Create(Tied, seed: 3);
        string path = Path.Combine(dir, "model.safetensors");
        GptCheckpoint.Save(model, path);
        Tensor idx = randint(0, Tied.VocabularySize, [1, 6], dtype: ScalarType.Int64);

        using GptStage first = GptCheckpoint.LoadStage(path, 0, 2);
        using GptStage last = GptCheckpoint.LoadStage(path, 1, 2);

        Assert.True(allclose(model.call(idx), last.call(first.call(idx)), rtol: 1e-5, atol: 1e-6));
        Assert.Equal(Tied, GptCheckpoint.ReadConfig(path));
        Directory.Delete(dir, recursive: true);
    }
}
