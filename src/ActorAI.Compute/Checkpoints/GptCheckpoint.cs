using System.Text.Json;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.SafeTensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorAI.Compute.Checkpoints;

/// <summary>
/// GPT weights as safetensors with Hugging Face GPT-2 tensor names and layouts, so files move between ActorAI and
/// PyTorch/Transformers. GPT-2 stores its attention and MLP projections as <c>Conv1D</c> weights of shape (in, out),
/// the transpose of <c>nn.Linear</c>'s (out, in); they are transposed on the way in and out. A tied head is not
/// stored (as in Hugging Face files). Training state adds the AdamW moments under <c>optimizer.exp_avg.NAME</c> and
/// <c>optimizer.exp_avg_sq.NAME</c>.
/// </summary>
public static class GptCheckpoint
{
    /// <summary>Metadata key of the model configuration (JSON).</summary>
    public const string ConfigKey = "actorai.config";

    /// <summary>Metadata key of the optimizer step count.</summary>
    public const string OptimizerStepKey = "actorai.optimizer_step";

    private const string ExpAvgPrefix = "optimizer.exp_avg.";
    private const string ExpAvgSqPrefix = "optimizer.exp_avg_sq.";

    private static readonly string[] Conv1DSuffixes = [".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight"];

    // Buffers some GPT-2 exports carry (causal masks); not parameters.
    private static readonly string[] IgnoredSuffixes = [".attn.bias", ".attn.masked_bias"];

    /// <summary>Writes the model's weights (and, when given, the optimizer state) to <paramref name="path"/>; returns the file's SHA-256.</summary>
    public static string Save(Gpt model, string path, AdamWOptimizer? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var writer = new SafeTensorsWriter()
            .AddMetadata("format", "pt")
            .AddMetadata(ConfigKey, JsonSerializer.Serialize(model.Config));
        foreach ((string key, string value) in metadata ?? new Dictionary<string, string>())
        {
            writer.AddMetadata(key, value);
        }
        using var scope = NewDisposeScope();
        var parameters = model.named_parameters().ToList();
        foreach ((string name, Tensor p) in parameters)
        {
            writer.AddTensor(name, ToFile(name, p));
        }
        if (optimizer is not null)
        {
            if (optimizer.ExpAvg.Count != parameters.Count)
            {
                throw new ArgumentException($"the optimizer holds {optimizer.ExpAvg.Count} tensors but the model has {parameters.Count} parameters", nameof(optimizer));
            }
            writer.AddMetadata(OptimizerStepKey, optimizer.Step.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (int i = 0; i < parameters.Count; i++)
            {
                writer.AddTensor(ExpAvgPrefix + parameters[i].name, optimizer.ExpAvg[i]);
                writer.AddTensor(ExpAvgSqPrefix + parameters[i].name, optimizer.ExpAvgSq[i]);
            }
        }
        return writer.Write(path);
    }

    /// <summary>
    /// Loads a model from <paramref name="path"/>. The configuration comes from the file's metadata when ActorAI wrote
    /// it; for other GPT-2-layout files it is inferred from the tensor shapes, with <paramref name="heads"/> (default:
    /// width / 64, as GPT-2) since shapes do not show it.
    /// </summary>
    /// <exception cref="SafeTensorsFormatException">The file is malformed or does not hold a GPT-2-layout model.</exception>
    public static Gpt Load(string path, Device? device = null, int? heads = null)
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        GptConfig config = ReadConfig(reader, heads);
        var model = new Gpt(config);
        LoadInto(model, reader);
        if (device is not null && device.type != DeviceType.CPU)
        {
            model.to(device);
        }
        return model;
    }

    /// <summary>
    /// Loads stage <paramref name="stage"/> of <paramref name="stages"/> of the model in <paramref name="path"/>: only
    /// that stage's tensors are read, so a silo holds its part of a model too large for one silo.
    /// </summary>
    /// <exception cref="SafeTensorsFormatException">The file is malformed or does not hold a GPT-2-layout model.</exception>
    /// <exception cref="ArgumentException">The model has fewer blocks than <paramref name="stages"/>.</exception>
    public static Pipeline.GptStage LoadStage(string path, int stage, int stages, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stage);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stage, stages);
        return LoadStage(path, Pipeline.PipelinePartition.Split(ReadConfig(path), stages)[stage], device);
    }

    /// <summary>Loads the blocks of <paramref name="range"/> (and the embeddings or head it holds) from <paramref name="path"/>.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is malformed or does not hold a GPT-2-layout model.</exception>
    /// <exception cref="ArgumentException">The range is not within the model's blocks.</exception>
    public static Pipeline.GptStage LoadStage(string path, Pipeline.StageRange range, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(range);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        GptConfig config = ReadConfig(reader, heads: null);
        var module = new Pipeline.GptStage(config, range);
        LoadInto(module, reader);
        if (device is not null && device.type != DeviceType.CPU)
        {
            module.to(device);
        }
        return module;
    }

    /// <summary>The configuration of the model in <paramref name="path"/> (from its metadata, else its shapes).</summary>
    /// <exception cref="SafeTensorsFormatException">The file is malformed or does not hold a GPT-2-layout model.</exception>
    public static GptConfig ReadConfig(string path)
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        return ReadConfig(reader, heads: null);
    }

    /// <summary>Copies the weights in <paramref name="reader"/> into <paramref name="model"/>, checking names and shapes.</summary>
    public static void LoadInto(Gpt model, SafeTensorsReader reader) => LoadInto((nn.Module)model, reader);

    /// <summary>
    /// Copies the weights in <paramref name="reader"/> into a module whose parameters carry GPT-2 names (a whole
    /// <see cref="Gpt"/> or a <see cref="Pipeline.GptStage"/>), checking names and shapes.
    /// </summary>
    public static void LoadInto(nn.Module model, SafeTensorsReader reader)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reader);
        Dictionary<string, string> fileNames = FileNamesByModelName(reader);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach ((string name, Parameter p) in model.named_parameters())
        {
            if (!fileNames.TryGetValue(name, out string? fileName))
            {
                throw new SafeTensorsFormatException($"{reader.Path}: missing tensor '{name}' (shape [{string.Join(",", p.shape)}])");
            }
            Tensor value = FromFile(name, reader.ReadTensor(fileName));
            if (!value.shape.SequenceEqual(p.shape))
            {
                throw new SafeTensorsFormatException(
                    $"{reader.Path}: tensor '{fileName}' has shape [{string.Join(",", value.shape)}] but the model expects [{string.Join(",", p.shape)}]");
            }
            p.copy_(value.to(p.dtype).to(p.device));
        }
    }

    /// <summary>Restores optimizer state written by <see cref="Save"/> with an optimizer.</summary>
    public static void LoadOptimizer(Gpt model, AdamWOptimizer optimizer, SafeTensorsReader reader)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(reader);
        if (!reader.Metadata.TryGetValue(OptimizerStepKey, out string? stepText) || !long.TryParse(stepText, System.Globalization.CultureInfo.InvariantCulture, out long step))
        {
            throw new SafeTensorsFormatException($"{reader.Path}: holds no optimizer state ({OptimizerStepKey} metadata missing)");
        }
        using var scope = NewDisposeScope();
        var names = model.named_parameters().Select(p => p.name).ToList();
        Tensor Read(string name) => reader.Contains(name)
            ? reader.ReadTensor(name)
            : throw new SafeTensorsFormatException($"{reader.Path}: missing optimizer tensor '{name}'");
        optimizer.Load([.. names.Select(n => Read(ExpAvgPrefix + n))], [.. names.Select(n => Read(ExpAvgSqPrefix + n))], step);
    }

    private static GptConfig ReadConfig(SafeTensorsReader reader, int? heads)
    {
        if (reader.Metadata.TryGetValue(ConfigKey, out string? json))
        {
            try
            {
                return JsonSerializer.Deserialize<GptConfig>(json) ?? throw new JsonException("null");
            }
            catch (JsonException ex)
            {
                throw new SafeTensorsFormatException($"{reader.Path}: metadata '{ConfigKey}' is not a valid model configuration: {ex.Message}", ex);
            }
        }
        Dictionary<string, string> names = FileNamesByModelName(reader);
        SafeTensorInfo Find(string name) => names.TryGetValue(name, out string? f)
            ? reader[f]
            : throw new SafeTensorsFormatException($"{reader.Path}: not a GPT-2-layout checkpoint (no '{name}')");
        SafeTensorInfo wte = Find("transformer.wte.weight");
        SafeTensorInfo wpe = Find("transformer.wpe.weight");
        int layers = 0;
        while (names.ContainsKey($"transformer.h.{layers}.ln_1.weight"))
        {
            layers++;
        }
        int width = (int)wte.Shape[1];
        return new GptConfig(
            Layers: layers,
            Heads: heads ?? Math.Max(1, width / 64),
            Embedding: width,
            ContextLength: (int)wpe.Shape[0],
            VocabularySize: (int)wte.Shape[0],
            Bias: names.ContainsKey("transformer.h.0.attn.c_attn.bias"),
            TiedHead: !names.ContainsKey("lm_head.weight"));
    }

    // Maps model parameter names to the file's names; Hugging Face's bare GPT2Model files lack "transformer.".
    private static Dictionary<string, string> FileNamesByModelName(SafeTensorsReader reader)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (SafeTensorInfo t in reader.Tensors)
        {
            if (t.Name.StartsWith("optimizer.", StringComparison.Ordinal) || IgnoredSuffixes.Any(s => t.Name.EndsWith(s, StringComparison.Ordinal)))
            {
                continue;
            }
            string modelName = t.Name.StartsWith("transformer.", StringComparison.Ordinal) || t.Name.StartsWith("lm_head.", StringComparison.Ordinal)
                ? t.Name
                : "transformer." + t.Name;
            map[modelName] = t.Name;
        }
        return map;
    }

    private static bool IsConv1D(string name) => Conv1DSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));

    private static Tensor ToFile(string name, Tensor p) => IsConv1D(name) ? p.detach().t().contiguous() : p.detach();

    private static Tensor FromFile(string name, Tensor t) => IsConv1D(name) ? t.t().contiguous() : t;
}
