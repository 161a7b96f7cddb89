using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests.Models;

public sealed class MlpClassifierTests
{
    [Fact]
    public void LearnsANonLinearlySeparableProblem()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        // Two interleaved rings: class = whether the point lies inside radius 1.
        Tensor angle = rand(512) * 2 * Math.PI;
        Tensor labels = randint(0, 2, [512], dtype: ScalarType.Int64);
        Tensor radius = labels.to(ScalarType.Float32) * 1.2 + 0.4 + rand(512) * 0.3;
        Tensor x = stack([radius * angle.cos(), radius * angle.sin()], 1);
        using var model = new MlpClassifier(new MlpClassifierConfig(2, [32, 32], 2));
        var parameters = model.parameters().ToList();
        using var optimizer = new AdamWOptimizer(parameters, [.. parameters.Select(p => p.dim() >= 2)], new AdamWSettings(WeightDecay: 0));

        for (int step = 0; step < 300; step++)
        {
            using var stepScope = NewDisposeScope();
            model.zero_grad();
            model.Loss(x, labels).backward();
            optimizer.Apply([.. parameters.Select(p => p.grad)], 1e-2);
        }

        using var noGrad = no_grad();
        double accuracy = model.call(x).argmax(1).eq(labels).to(ScalarType.Float32).mean().item<float>();
        Assert.True(accuracy > 0.97, $"accuracy {accuracy}");
    }

    [Fact]
    public void InvalidShapesNameTheSetting() =>
        Assert.Contains("Classes", Assert.Throws<ArgumentException>(() => new MlpClassifier(new MlpClassifierConfig(2, [4], 1))).Message, StringComparison.Ordinal);
}
