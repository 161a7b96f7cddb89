using ActorAI.Abstractions.Training;
using ActorAI.Data;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Testing;
using TorchSharp;

namespace ActorAI.Grains.Tests.Training;

/// <summary>The single-process reference loop run with a job's settings: the losses distributed training must reproduce.</summary>
internal static class ReferenceLoop
{
    public static double[] Losses(TrainingJobSpec spec) => [.. Run(spec).Select(p => p.Loss)];

    /// <summary>Every step's progress, held-out evaluations included at the spec's interval and at the end.</summary>
    public static IReadOnlyList<TrainingProgress> Run(TrainingJobSpec spec)
    {
        torch.set_num_threads(1);
        using var data = new DatasetTrainingData(spec.Dataset, spec.GlobalBatchRows, (ulong)spec.Seed);
        using var model = Gpt.Create(GptConfig.Preset(spec.Model, data.Manifest.VocabularySize), spec.Seed);
        var progress = new List<TrainingProgress>();
        ReferenceTrainer.Run(model, data, new TrainingOptions
        {
            Steps = spec.Steps, MicroBatchRows = spec.GlobalBatchRows, GradientAccumulation = 1, LearningRate = spec.LearningRate,
            MinLearningRate = spec.MinLearningRate, WarmupSteps = spec.WarmupSteps, Optimizer = new AdamWSettings(WeightDecay: spec.WeightDecay),
            GradientClip = spec.GradientClip, EvalInterval = spec.EvalInterval, EvalBatches = spec.EvalBatches, IntraOpThreads = 1, Seed = spec.Seed,
        }, new SynchronousProgress<TrainingProgress>(progress.Add));
        return progress;
    }

    /// <summary>Asserts that every step's loss equals the reference's within 1e-4 relative.</summary>
    public static void AssertEqual(IReadOnlyList<double> reference, IReadOnlyList<TrainingMetrics> metrics)
    {
        Assert.Equal(reference.Count, metrics.Count);
        for (int i = 0; i < reference.Count; i++)
        {
            double relative = Math.Abs(metrics[i].Loss - reference[i]) / Math.Abs(reference[i]);
            Assert.True(relative < 1e-4, $"step {i + 1}: distributed loss {metrics[i].Loss} vs reference {reference[i]} (relative {relative:e2})");
        }
    }
}
