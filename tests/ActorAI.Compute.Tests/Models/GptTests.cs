using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests.Models;

public sealed class GptTests
{
    private static readonly GptConfig Tiny = new(Layers: 2, Heads: 2, Embedding: 32, ContextLength: 16, VocabularySize: 50);

    [Fact]
    public void ForwardGivesLogitsPerPosition()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel(Tiny);
        Tensor idx = randint(0, Tiny.VocabularySize, [3, 7], dtype: ScalarType.Int64);

        Tensor logits = model.call(idx);

        Assert.Equal(new long[] { 3, 7, Tiny.VocabularySize }, logits.shape);
    }

    [Fact]
    public void PresetParameterCountsMatchTheModel()
    {
        GptConfig tiny = GptConfig.Preset("tiny", 256);
        using var model = NewModel(tiny);

        long counted = model.parameters().Sum(p => p.numel());

        Assert.Equal(tiny.ParameterCount(), counted);
        Assert.InRange(counted, 400_000, 600_000);
        Assert.Equal(124_439_808, GptConfig.Preset("gpt2", 50257).ParameterCount());
    }

    [Fact]
    public void UnknownPresetNamesTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => GptConfig.Preset("huge", 256));
        Assert.Contains("tiny", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangingAFutureTokenNeverChangesEarlierLogits()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel(Tiny);
        model.eval();
        Tensor idx = randint(0, Tiny.VocabularySize, [1, 12], dtype: ScalarType.Int64);
        Tensor changed = idx.clone();
        changed[0, 8] = (idx[0, 8] + 1) % Tiny.VocabularySize;

        using var noGrad = no_grad();
        Tensor a = model.call(idx);
        Tensor b = model.call(changed);

        Assert.True(a[.., ..8].eq(b[.., ..8]).all().item<bool>(), "logits before the changed position moved");
        Assert.False(a[.., 8..].allclose(b[.., 8..]), "logits at and after the changed position did not move");
    }

    [Fact]
    public void ATinyModelOverfitsOneBatch()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        using var model = NewModel(Tiny);
        Tensor idx = randint(0, 50, [4, 16], dtype: ScalarType.Int64);
        Tensor targets = randint(0, 50, [4, 16], dtype: ScalarType.Int64);
        var parameters = model.parameters().ToList();
        using var optimizer = new AdamWOptimizer(parameters, [.. parameters.Select(p => p.dim() >= 2)], new AdamWSettings(WeightDecay: 0));

        double loss = double.NaN;
        for (int step = 0; step < 300; step++)
        {
            using var stepScope = NewDisposeScope();
            model.zero_grad();
            Tensor l = model.Loss(idx, targets);
            l.backward();
            optimizer.Apply([.. parameters.Select(p => p.grad)], 3e-3);
            loss = l.item<float>();
        }

        Assert.True(loss < 0.05, $"loss after 300 steps on one batch was {loss}");
    }

    [Fact]
    public void InvalidConfigurationsNameTheSetting()
    {
        var error = Assert.Throws<ArgumentException>(() => new Gpt(Tiny with { Heads = 3 }));
        Assert.Contains("Heads", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongASequenceIsRejected()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel(Tiny);
        var error = Assert.Throws<ArgumentException>(() => model.call(zeros([1, 17], dtype: ScalarType.Int64)));
        Assert.Contains("context length", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InitialWeightsFollowTheSeedNotTheProcessWideGenerator()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(99); // another tenant reseeds the process-wide generator
        using var a = Gpt.Create(Tiny, seed: 7);
        torch.randn(1000);     // and draws from it
        using var b = Gpt.Create(Tiny, seed: 7);
        using var other = Gpt.Create(Tiny, seed: 8);

        Assert.Equal(Flat(a), Flat(b));
        Assert.NotEqual(Flat(a), Flat(other));
    }

    private static float[] Flat(Gpt model) => [.. model.parameters().SelectMany(p => p.data<float>().ToArray())];

    internal static Gpt NewModel(GptConfig config)
    {
        torch.manual_seed(1234);
        return new Gpt(config);
    }
}
