using ActorAI.Data;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests.Training;

public sealed class ReferenceTrainerTests : IDisposable
{
    private static readonly GptConfig Config = new(Layers: 2, Heads: 2, Embedding: 32, ContextLength: 16, VocabularySize: 32);
    private readonly string _dir = Directory.CreateTempSubdirectory("actorai-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingOptions Options(int steps, int micro = 8, int accumulation = 1) => new()
    {
        Steps = steps,
        MicroBatchRows = micro,
        GradientAccumulation = accumulation,
        LearningRate = 3e-3,
        MinLearningRate = 3e-4,
        WarmupSteps = 5,
        EvalInterval = 0,
        EvalBatches = 2,
        IntraOpThreads = 1,
    };

    [Fact]
    public void LossFallsAndValidationIsReported()
    {
        using Gpt model = NewModel();
        var reports = new List<TrainingProgress>();

        TrainingResult result = ReferenceTrainer.Run(model, new PatternData(16, 8), Options(150), new SynchronousProgress<TrainingProgress>(reports.Add));

        Assert.Equal(150, reports.Count);
        Assert.True(reports[^1].Loss < reports[0].Loss * 0.5, $"loss went from {reports[0].Loss} to {reports[^1].Loss}");
        Assert.NotNull(reports[^1].ValidationLoss);
        Assert.True(result.ValidationBitsPerByte > 0);
        Assert.True(reports.All(r => r.TokensPerSecond > 0));
    }

    [Fact]
    public void TwoRunsAtAFixedThreadCountAreBitIdentical()
    {
        using Gpt a = NewModel();
        using Gpt b = NewModel();

        ReferenceTrainer.Run(a, new PatternData(16, 8), Options(15));
        ReferenceTrainer.Run(b, new PatternData(16, 8), Options(15));

        AssertSameParameters(a, b, exact: true);
    }

    [Fact]
    public void GradientAccumulationMatchesOneLargeBatch()
    {
        using Gpt whole = NewModel();
        using Gpt accumulated = NewModel();

        ReferenceTrainer.Run(whole, new PatternData(16, 8), Options(10, micro: 8, accumulation: 1));
        ReferenceTrainer.Run(accumulated, new PatternData(16, 8), Options(10, micro: 2, accumulation: 4));

        AssertSameParameters(whole, accumulated, exact: false);
    }

    [Fact]
    public void ResumingFromACheckpointReproducesTheUninterruptedRun()
    {
        using Gpt uninterrupted = NewModel();
        ReferenceTrainer.Run(uninterrupted, new PatternData(16, 8), Options(12));

        using Gpt first = NewModel();
        TrainingOptions withCheckpoints = Options(12) with { CheckpointDirectory = _dir, CheckpointInterval = 6 };
        ReferenceTrainer.Run(first, new PatternData(16, 8), withCheckpoints);
        string middle = Path.Combine(_dir, "step-0000006.safetensors");
        using Gpt resumed = GptCheckpoint.Load(middle);
        using AdamWOptimizer optimizer = ReferenceTrainer.CreateOptimizer([.. resumed.parameters()], new AdamWSettings());
        long step;
        using (SafeTensorsReader reader = SafeTensorsReader.Open(middle))
        {
            GptCheckpoint.LoadOptimizer(resumed, optimizer, reader);
            step = long.Parse(reader.Metadata[ReferenceTrainer.StepKey], System.Globalization.CultureInfo.InvariantCulture);
        }
        ReferenceTrainer.Run(resumed, new PatternData(16, 8), Options(12), startStep: step, optimizer: optimizer);

        Assert.Equal(6, step);
        AssertSameParameters(uninterrupted, resumed, exact: true);
    }

    [Fact]
    public void NonFiniteGradientsAreRefusedWithoutTouchingTheWeights()
    {
        using Gpt model = NewModel();
        using (no_grad())
        {
            model.named_parameters().First(p => p.name == "transformer.h.0.mlp.c_fc.weight").parameter[0, 0] = float.PositiveInfinity;
        }
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.clone());

        var error = Assert.Throws<NonFiniteGradientException>(() => ReferenceTrainer.Run(model, new PatternData(16, 8), Options(5)));

        Assert.Equal(0, error.Step);
        foreach ((string name, var p) in model.named_parameters())
        {
            Assert.True(before[name].eq(p).logical_or(before[name].isnan()).all().item<bool>(), $"{name} changed");
        }
    }

    [Fact]
    public void FineTuningKeepsFrozenLayersFixed()
    {
        using Gpt model = NewModel();
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.clone());

        ReferenceTrainer.Run(model, new PatternData(16, 8), Options(5) with { FrozenLayers = 1 });

        var after = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.True(before["transformer.h.0.attn.c_attn.weight"].eq(after["transformer.h.0.attn.c_attn.weight"]).all().item<bool>());
        Assert.True(before["transformer.wte.weight"].eq(after["transformer.wte.weight"]).all().item<bool>());
        Assert.False(before["transformer.h.1.attn.c_attn.weight"].eq(after["transformer.h.1.attn.c_attn.weight"]).all().item<bool>());
    }

    [Fact]
    public void MismatchedBatchSettingsAreRejected()
    {
        using Gpt model = NewModel();
        var error = Assert.Throws<ArgumentException>(() => ReferenceTrainer.Run(model, new PatternData(16, 8), Options(5, micro: 3)));
        Assert.Contains("MicroBatchRows", error.Message, StringComparison.Ordinal);
    }

    private static Gpt NewModel()
    {
        torch.set_num_threads(1);
        torch.manual_seed(99);
        return new Gpt(Config);
    }

    private static void AssertSameParameters(Gpt expected, Gpt actual, bool exact)
    {
        var e = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach ((string name, var p) in actual.named_parameters())
        {
            bool same = exact ? e[name].eq(p).all().item<bool>() : e[name].allclose(p, rtol: 1e-4, atol: 1e-5);
            Assert.True(same, $"{name}: max difference {(e[name] - p).abs().max().item<float>()}");
        }
    }

}
