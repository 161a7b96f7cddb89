using System.Collections.Concurrent;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Compute.Checkpoints;
using ActorAI.Data.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Grains.Training;

/// <summary>What a job spec means in Compute terms: the model shape, the schedule, the data. One place for all grains.</summary>
internal static class TrainingModel
{
    /// <summary>The dataset's vocabulary (the manifest is read once per path).</summary>
    public static int Vocabulary(TrainingJobSpec spec) =>
        Manifests.GetOrAdd(spec.Dataset, DatasetManifest.Load).VocabularySize;

    /// <summary>The model configuration: the preset with the dataset's vocabulary.</summary>
    public static GptConfig Config(TrainingJobSpec spec) => GptConfig.Preset(spec.Model, Vocabulary(spec));

    /// <summary>
    /// The job's model with its initial weights, drawn from a generator of its own seeded with the spec's seed: the
    /// weights are a function of the seed alone, whatever else on the silo draws from or reseeds LibTorch's
    /// process-wide generator (another job, a replica loading). The presets have no dropout, so after this a job
    /// draws no randomness from the process-wide generator; sampling has its own generator per request.
    /// </summary>
    public static Gpt NewModel(TrainingJobSpec spec, Device? device = null) => Gpt.Create(Config(spec), spec.Seed, device);

    /// <summary>The job's initial parameters, flattened (<see cref="ParameterLayout"/> order).</summary>
    public static float[] InitialParameters(TrainingJobSpec spec)
    {
        using var scope = NewDisposeScope();
        using Gpt model = NewModel(spec);
        var layout = new ParameterLayout(model);
        var values = new float[layout.Count];
        layout.ReadParameters(values);
        return values;
    }

    /// <summary>
    /// Writes flattened parameters as an ordinary GPT checkpoint. Synchronous on purpose: the dispose scope lives and
    /// dies on the calling thread, and no await can move the work to another thread while it is open.
    /// </summary>
    public static void SaveCheckpoint(TrainingJobSpec spec, float[] parameters, string path, IReadOnlyDictionary<string, string> metadata)
    {
        using var scope = NewDisposeScope();
        using Gpt model = NewModel(spec);
        new ParameterLayout(model).WriteParameters(parameters);
        GptCheckpoint.Save(model, path, metadata: metadata);
    }

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

    /// <summary>
    /// IntraOpThreads against the cores of the smallest training silo, when the silos advertise them (otherwise each
    /// trainer clamps it to its own cores).
    /// </summary>
    public static IReadOnlyList<string> CheckThreads(TrainingJobSpec spec, int? smallestSiloCores) =>
        smallestSiloCores is int cores && spec.IntraOpThreads > cores
            ? [$"IntraOpThreads ({spec.IntraOpThreads}) exceeds the {cores} cores of the smallest training silo; at most {cores}."]
            : [];

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
