using System.Collections.Concurrent;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.Datasets;

namespace ActorAI.Grains.Training;

/// <summary>What a job spec means in Compute terms: the model shape, the schedule, the data. One place for all grains.</summary>
internal static class TrainingModel
{
    /// <summary>The dataset's vocabulary (the manifest is read once per path).</summary>
    public static int Vocabulary(TrainingJobSpec spec) =>
        Manifests.GetOrAdd(spec.Dataset, DatasetManifest.Load).VocabularySize;

    /// <summary>The model configuration: the preset with the dataset's vocabulary.</summary>
    public static GptConfig Config(TrainingJobSpec spec) => GptConfig.Preset(spec.Model, Vocabulary(spec));

    /// <summary>The learning-rate schedule.</summary>
    public static LearningRateSchedule Schedule(TrainingJobSpec spec) =>
        new(spec.LearningRate, spec.MinLearningRate, spec.WarmupSteps, spec.Steps);

    /// <summary>Tokens per sample of the dataset.</summary>
    public static int BlockSize(TrainingJobSpec spec) => Manifests.GetOrAdd(spec.Dataset, DatasetManifest.Load).BlockSize;

    /// <summary>The tokenizer spec the dataset was prepared with.</summary>
    public static string Tokenizer(TrainingJobSpec spec) => Manifests.GetOrAdd(spec.Dataset, DatasetManifest.Load).Tokenizer;

    private static readonly ConcurrentDictionary<string, DatasetManifest> Manifests = new(StringComparer.Ordinal);

    /// <summary>Largest chunk of floats in one message (16 MiB).</summary>
    public const int ChunkFloats = 4 * 1024 * 1024;

    /// <summary>Checks what a spec refers to; every problem names the field.</summary>
    public static IReadOnlyList<string> CheckReferences(TrainingJobSpec spec)
    {
        var errors = new List<string>();
        if (!GptConfig.PresetNames.Contains(spec.Model))
        {
            errors.Add($"Model '{spec.Model}' is not a known preset; known presets: {string.Join(", ", GptConfig.PresetNames)}.");
        }
        DatasetManifest? manifest = null;
        try
        {
            manifest = DatasetManifest.Load(spec.Dataset);
        }
        catch (Exception ex) when (ex is DatasetFormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            errors.Add($"Dataset '{spec.Dataset}' cannot be used: {ex.Message}");
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
