using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Grains.Datasets;
using ActorAI.Data.SafeTensors;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Grains.Storage;
using ActorAI.Grains.Training;
using Microsoft.Extensions.Logging;

namespace ActorAI.Grains.Registry;

/// <summary>Persistent state of a registered model.</summary>
[GenerateSerializer, Alias("ActorAI.ModelState")]
public sealed record ModelState
{
    [Id(0)] public ImmutableList<ModelVersion> Versions { get; init; } = [];
    [Id(1)] public ImmutableDictionary<string, int> Aliases { get; init; } = ImmutableDictionary<string, int>.Empty;
    [Id(2)] public ImmutableList<AliasChange> AliasHistory { get; init; } = [];
}

internal sealed partial class ModelGrain(
    [PersistentState("model", ProviderNames.GrainStorage)] IPersistentState<ModelState> state,
    IArtifactStore artifacts,
    ImportRoots importRoots,
    DatasetResolver datasets,
    TimeProvider clock,
    ILogger<ModelGrain> logger) : Grain, IModelGrain
{
    private const string Latest = ModelNames.Latest;

    // The same words whatever the cause, and without the path: the answer must not tell whether a file exists.
    private const string ImportRefusedMessage =
        "the checkpoint cannot be imported: it must be an absolute path to a GPT safetensors checkpoint under one of this silo's import roots (Artifacts:ImportRoots)";

    private string Name => this.GetPrimaryKeyString();

    public async Task<ModelVersion> RegisterFromJobAsync(string jobId, IReadOnlyList<string> tags)
    {
        ModelNames.ThrowIfInvalid(Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        TrainingJobInfo job = await GrainFactory.GetGrain<ITrainingJobGrain>(jobId).GetAsync();
        if (job.Spec is null)
        {
            throw new ModelRegistryException($"training job '{jobId}' does not exist");
        }
        if (job.Status != TrainingJobStatus.Succeeded || job.ResultArtifact is null)
        {
            throw new ModelRegistryException($"training job '{jobId}' is {job.Status.ToString().ToLowerInvariant()}, not succeeded; only finished jobs can be registered");
        }
        TrainingJobSpec spec = job.Spec;
        Data.Datasets.DatasetManifest manifest;
        try
        {
            manifest = await datasets.ManifestAsync(spec.Dataset);
        }
        catch (Exception ex) when (DatasetResolver.IsDatasetProblem(ex))
        {
            throw new ModelRegistryException($"training job '{jobId}' trained on dataset '{spec.Dataset}', which cannot be read: {ex.Message}");
        }
        var lineage = new ModelLineage(
            jobId,
            await datasets.ManifestSha256Async(spec.Dataset),
            manifest.Tokenizer,
            JsonSerializer.Serialize(TrainingModel.Config(spec, manifest)),
            new Dictionary<string, string>
            {
                ["model"] = spec.Model, ["steps"] = Invariant(spec.Steps), ["global_batch_rows"] = Invariant(spec.GlobalBatchRows),
                ["workers"] = Invariant(spec.Workers), ["parameter_shards"] = Invariant(spec.ParameterShards), ["mode"] = spec.Mode.ToString(),
                ["learning_rate"] = Invariant(spec.LearningRate), ["min_learning_rate"] = Invariant(spec.MinLearningRate),
                ["warmup_steps"] = Invariant(spec.WarmupSteps), ["weight_decay"] = Invariant(spec.WeightDecay),
                ["gradient_clip"] = Invariant(spec.GradientClip), ["seed"] = Invariant(spec.Seed),
            },
            job.LastMetrics is { } m ? ResultMetrics(m) : new Dictionary<string, double>(),
            await datasets.TokenizerArtifactsAsync(spec.Dataset),
            spec.Dataset);
        return await AddVersionAsync(job.ResultArtifact, lineage, tags);
    }

    public async Task<ModelVersion> ImportCheckpointAsync(string path, ModelLineage lineage, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(lineage);
        ModelNames.ThrowIfInvalid(Name);
        // One answer for a path outside the import roots, a missing file and a file that is not a checkpoint, so that
        // a caller learns nothing about files it may not import; the cause is logged on the silo.
        var refused = new ModelRegistryException(ImportRefusedMessage);
        string? file = importRoots.Resolve(path);
        if (file is null)
        {
            LogImportRefused(path, Name, $"not a file under the import roots ({string.Join(", ", importRoots.Roots)})");
            throw refused;
        }
        string copy = artifacts.NewTemporaryPath(".safetensors");
        string tokenizer;
        string? config = lineage.Config;
        try
        {
            // Copied first and checked in the copy, so the file checked is the file stored.
            File.Copy(file, copy);
            tokenizer = await Task.Run(() =>
            {
                // A checkpoint is accepted only if it loads as a GPT-2-layout model; its shape is recorded for placement.
                using (Gpt model = GptCheckpoint.Load(copy))
                {
                    config ??= JsonSerializer.Serialize(model.Config);
                }
                using SafeTensorsReader reader = SafeTensorsReader.Open(copy);
                return reader.Metadata.GetValueOrDefault("actorai.tokenizer") ?? lineage.Tokenizer ?? "byte";
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the cause (bad header, wrong shapes, unreadable), the caller gets the one answer above.
            File.Delete(copy);
            LogImportRefused(path, Name, ex.Message);
            throw refused;
        }
        string sha = await artifacts.ImportAsync(copy);
        return await AddVersionAsync(sha, lineage with { Tokenizer = tokenizer, Config = config }, tags);
    }

    public Task<ModelInfo> GetAsync() => Task.FromResult(Info());

    public Task<ModelPage> GetPageAsync(int skip, int take, int historyTake)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        ArgumentOutOfRangeException.ThrowIfNegative(historyTake);
        ModelState s = state.State;
        int from = Math.Max(0, s.Versions.Count - skip - take);
        int count = Math.Max(0, Math.Min(take, s.Versions.Count - skip));
        IReadOnlyList<ModelVersion> versions = [.. s.Versions.GetRange(from, count).Reverse()];
        int history = Math.Min(historyTake, s.AliasHistory.Count);
        IReadOnlyList<AliasChange> changes = [.. s.AliasHistory.GetRange(s.AliasHistory.Count - history, history).Reverse()];
        return Task.FromResult(new ModelPage(Name, versions, s.Versions.Count, s.Aliases, changes, s.AliasHistory.Count));
    }

    public Task<IReadOnlyList<string>> GetArtifactReferencesAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Versions.SelectMany(v => (v.Lineage.TokenizerArtifacts ?? []).Select(a => a.Sha256).Prepend(v.Artifact)).Distinct()]);

    public Task<ModelVersion> ResolveAsync(string versionOrAlias)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(versionOrAlias);
        ModelState s = state.State;
        if (s.Versions.Count == 0)
        {
            throw new ModelRegistryException($"model '{Name}' has no versions");
        }
        if (versionOrAlias == Latest)
        {
            return Task.FromResult(s.Versions[^1]);
        }
        int number = int.TryParse(versionOrAlias, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v
            : s.Aliases.TryGetValue(versionOrAlias, out int aliased)
                ? aliased
                : throw new ModelRegistryException($"model '{Name}' has no alias '{versionOrAlias}' (aliases: {string.Join(", ", s.Aliases.Keys.Order())})");
        return Task.FromResult(Find(number));
    }

    public async Task<ModelInfo> SetAliasAsync(string alias, int version)
    {
        ModelNames.ThrowIfInvalidAlias(alias);
        Find(version);
        state.State = state.State with
        {
            Aliases = state.State.Aliases.SetItem(alias, version),
            AliasHistory = state.State.AliasHistory.Add(new AliasChange(alias, version, clock.GetUtcNow())),
        };
        await state.WriteStateAsync();
        return Info();
    }

    // Only existence is checked, not the character rule: an alias set before the rule existed can still be removed.
    public async Task<ModelInfo> RemoveAliasAsync(string alias)
    {
        if (alias is null || !state.State.Aliases.ContainsKey(alias))
        {
            throw new ModelRegistryException($"model '{Name}' has no alias '{alias}'");
        }
        state.State = state.State with
        {
            Aliases = state.State.Aliases.Remove(alias),
            AliasHistory = state.State.AliasHistory.Add(new AliasChange(alias, null, clock.GetUtcNow())),
        };
        await state.WriteStateAsync();
        return Info();
    }

    public async Task<ModelVersion> TagAsync(int version, string tag)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        ModelVersion current = Find(version);
        ModelVersion tagged = current with { Tags = [.. current.Tags.Append(tag).Distinct(StringComparer.Ordinal)] };
        state.State = state.State with { Versions = state.State.Versions.Replace(current, tagged) };
        await state.WriteStateAsync();
        return tagged;
    }

    private async Task<ModelVersion> AddVersionAsync(string artifact, ModelLineage lineage, IReadOnlyList<string> tags)
    {
        await artifacts.OpenVerifiedAsync(artifact); // the weights exist and match their hash
        var version = new ModelVersion(state.State.Versions.Count + 1, artifact, lineage, [.. tags.Distinct(StringComparer.Ordinal)], clock.GetUtcNow());
        state.State = state.State with { Versions = state.State.Versions.Add(version) };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<INameIndexGrain>(INameIndexGrain.Models).AddAsync(Name);
        return version;
    }

    private ModelVersion Find(int version) =>
        state.State.Versions.FirstOrDefault(v => v.Version == version)
        ?? throw new ModelRegistryException($"model '{Name}' has no version {version} (versions 1..{state.State.Versions.Count})");

    private ModelInfo Info() => new(Name, state.State.Versions, state.State.Aliases, state.State.AliasHistory);

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint import of {Path} into model {Model} refused: {Reason}")]
    private partial void LogImportRefused(string path, string model, string reason);

    // The training loss of the last step and, where the job evaluated it, the held-out loss and bits per byte.
    private static Dictionary<string, double> ResultMetrics(TrainingMetrics m)
    {
        var metrics = new Dictionary<string, double> { ["loss"] = m.Loss, ["step"] = m.Step };
        if (m.ValidationLoss is double loss)
        {
            metrics["validation_loss"] = loss;
        }
        if (m.ValidationBitsPerByte is double bits)
        {
            metrics["validation_bits_per_byte"] = bits;
        }
        return metrics;
    }
}
