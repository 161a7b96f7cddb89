using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.Datasets;

namespace ActorAI.Grains.Training;

/// <summary>
/// What a job spec means in Compute terms: the model shape, the schedule, the checks. One place for all grains; the
/// dataset's manifest comes from <see cref="Datasets.DatasetResolver"/>.
/// </summary>
internal static class TrainingModel
{
    /// <summary>The model configuration: the preset with the dataset's vocabulary.</summary>
    public static GptConfig Config(TrainingJobSpec spec, DatasetManifest manifest) => GptConfig.Preset(spec.Model, manifest.VocabularySize);

    /// <summary>The learning-rate schedule.</summary>
    public static LearningRateSchedule Schedule(TrainingJobSpec spec) =>
        new(spec.LearningRate, spec.MinLearningRate, spec.WarmupSteps, spec.Steps);

    /// <summary>Largest chunk of floats in one message (16 MiB).</summary>
    public const int ChunkFloats = 4 * 1024 * 1024;

    /// <summary>
    /// Checks what a spec refers to; every problem names the field. <paramref name="manifest"/> is the dataset's
    /// manifest, or <see langword="null"/> with <paramref name="datasetProblem"/> saying why it cannot be read.
    /// </summary>
    public static IReadOnlyList<string> CheckReferences(TrainingJobSpec spec, DatasetManifest? manifest, string? datasetProblem)
    {
        var errors = new List<string>();
        if (!GptConfig.PresetNames.Contains(spec.Model))
        {
            errors.Add($"Model '{spec.Model}' is not a known preset; known presets: {string.Join(", ", GptConfig.PresetNames)}.");
        }
        if (datasetProblem is not null)
        {
            errors.Add(datasetProblem);
        }
        if (manifest is not null)
        {
            if (manifest.Train.Blocks < spec.GlobalBatchRows)
            {
                errors.Add($"GlobalBatchRows ({spec.GlobalBatchRows}) exceeds the dataset's {manifest.Train.Blocks} training blocks.");
            }
            if (GptConfig.PresetNames.Contains(spec.Model) && manifest.BlockSize > GptConfig.Preset(spec.Model, manifest.VocabularySize).ContextLength)
            {
                errors.Add($"Dataset block size {manifest.BlockSize} exceeds the context length of preset '{spec.Model}'.");
            }
        }
        return errors;
    }
}
