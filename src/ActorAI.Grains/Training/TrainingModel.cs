using ActorAI.Abstractions.Training;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.Datasets;
using static TorchSharp.torch;

namespace ActorAI.Grains.Training;

/// <summary>
/// What a job spec means in Compute terms: the model shape, the schedule, the checks. One place for all grains; the
/// dataset's manifest comes from <see cref="Datasets.DatasetResolver"/>.
/// </summary>
internal static class TrainingModel
{
    /// <summary>The model configuration: the preset with the dataset's vocabulary.</summary>
    public static GptConfig Config(TrainingJobSpec spec, DatasetManifest manifest) => GptConfig.Preset(spec.Model, manifest.VocabularySize);

    /// <summary>
    /// The job's model with its initial weights, drawn from a generator of its own seeded with the spec's seed: the
    /// weights are a function of the seed alone, whatever else on the silo draws from or reseeds LibTorch's
    /// process-wide generator (another job, a replica loading). The presets have no dropout, so after this a job
    /// draws no randomness from the process-wide generator; sampling has its own generator per request.
    /// </summary>
    public static Gpt NewModel(TrainingJobSpec spec, GptConfig config, Device? device = null) => Gpt.Create(config, spec.Seed, device);

    /// <summary>The job's initial parameters, flattened (<see cref="ParameterLayout"/> order).</summary>
    public static float[] InitialParameters(TrainingJobSpec spec, GptConfig config)
    {
        using var scope = NewDisposeScope();
        using Gpt model = NewModel(spec, config);
        var layout = new ParameterLayout(model);
        var values = new float[layout.Count];
        layout.ReadParameters(values);
        return values;
    }

    /// <summary>
    /// Writes flattened parameters as an ordinary GPT checkpoint. Synchronous on purpose: the dispose scope lives and
    /// dies on the calling thread, and no await can move the work to another thread while it is open.
    /// </summary>
    public static void SaveCheckpoint(
        TrainingJobSpec spec, GptConfig config, float[] parameters, string path, IReadOnlyDictionary<string, string> metadata)
    {
        using var scope = NewDisposeScope();
        using Gpt model = NewModel(spec, config);
        new ParameterLayout(model).WriteParameters(parameters);
        GptCheckpoint.Save(model, path, metadata: metadata);
    }

    /// <summary>
    /// IntraOpThreads against the cores of the smallest training silo, when the silos advertise them (otherwise each
    /// trainer clamps it to its own cores).
    /// </summary>
    public static IReadOnlyList<string> CheckThreads(TrainingJobSpec spec, int? smallestSiloCores) =>
        smallestSiloCores is int cores && spec.IntraOpThreads > cores
            ? [$"IntraOpThreads ({spec.IntraOpThreads}) exceeds the {cores} cores of the smallest training silo; at most {cores}."]
            : [];

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
            if (GptConfig.PresetNames.Contains(spec.Model) && spec.Stages is int stages
                && stages > GptConfig.Preset(spec.Model, manifest.VocabularySize).Layers)
            {
                errors.Add($"Stages ({stages}) exceeds the {GptConfig.Preset(spec.Model, manifest.VocabularySize).Layers} blocks of preset '{spec.Model}'; each stage holds at least one.");
            }
        }
        return errors;
    }
}
