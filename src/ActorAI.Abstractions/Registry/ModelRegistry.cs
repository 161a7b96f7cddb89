namespace ActorAI.Abstractions.Registry;

/// <summary>Where a model version came from.</summary>
/// <param name="TrainingJob">The job that produced it, if any.</param>
/// <param name="DatasetManifestSha256">SHA-256 of the dataset manifest it was trained on, if known.</param>
/// <param name="Tokenizer">Tokenizer spec.</param>
/// <param name="Config">Model configuration (JSON).</param>
/// <param name="HyperParameters">Training settings.</param>
/// <param name="Metrics">Final metrics (e.g. loss).</param>
/// <param name="TokenizerArtifacts">
/// For a <c>bpe:</c> tokenizer, its files as artifacts (<c>vocab.json</c>, <c>merges.txt</c>), so a replica on any silo can
/// load it; <see langword="null"/> or empty for built-in tokenizers and for versions registered before they were recorded.
/// </param>
/// <param name="Dataset">The dataset the job trained on: a pinned reference <c>NAME@N</c>, or the path it was given.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ModelLineage")]
public sealed record ModelLineage(
    [property: Id(0)] string? TrainingJob,
    [property: Id(1)] string? DatasetManifestSha256,
    [property: Id(2)] string? Tokenizer,
    [property: Id(3)] string? Config,
    [property: Id(4)] IReadOnlyDictionary<string, string> HyperParameters,
    [property: Id(5)] IReadOnlyDictionary<string, double> Metrics,
    [property: Id(6)] IReadOnlyList<Datasets.NamedArtifact>? TokenizerArtifacts = null,
    [property: Id(7)] string? Dataset = null);

/// <summary>One registered version: its weights (an artifact, verified by hash when loaded), lineage and tags.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.ModelVersion")]
public sealed record ModelVersion(
    [property: Id(0)] int Version,
    [property: Id(1)] string Artifact,
    [property: Id(2)] ModelLineage Lineage,
    [property: Id(3)] IReadOnlyList<string> Tags,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>An alias moved (Version set) or removed (Version null).</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.AliasChange")]
public sealed record AliasChange([property: Id(0)] string Alias, [property: Id(1)] int? Version, [property: Id(2)] DateTimeOffset At);

/// <summary>A model: its versions, current aliases and alias history.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.ModelInfo")]
public sealed record ModelInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<ModelVersion> Versions,
    [property: Id(2)] IReadOnlyDictionary<string, int> Aliases,
    [property: Id(3)] IReadOnlyList<AliasChange> AliasHistory);

/// <summary>
/// A page of one model for views that must not load every version: versions newest first, every current alias, and the
/// newest alias changes.
/// </summary>
/// <param name="Name">The model.</param>
/// <param name="Versions">The requested versions, newest first.</param>
/// <param name="TotalVersions">Versions in all.</param>
/// <param name="Aliases">Every current alias and its version.</param>
/// <param name="AliasHistory">The newest alias changes, newest first.</param>
/// <param name="TotalAliasChanges">Alias changes in all.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.ModelPage")]
public sealed record ModelPage(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<ModelVersion> Versions,
    [property: Id(2)] int TotalVersions,
    [property: Id(3)] IReadOnlyDictionary<string, int> Aliases,
    [property: Id(4)] IReadOnlyList<AliasChange> AliasHistory,
    [property: Id(5)] int TotalAliasChanges);

/// <summary>The registry entry of one model (key: model name), persisted.</summary>
[Alias("ActorAI.IModelGrain")]
public interface IModelGrain : IGrainWithStringKey
{
    /// <summary>Registers the final weights of a succeeded training job as a new version.</summary>
    /// <exception cref="ModelRegistryException">The job does not exist or has not succeeded.</exception>
    [Alias("RegisterFromJob")]
    Task<ModelVersion> RegisterFromJobAsync(string jobId, IReadOnlyList<string> tags);

    /// <summary>
    /// Imports a safetensors checkpoint readable by the silo (checked to load as a GPT-2-layout model) into the artifact
    /// store as a new version.
    /// </summary>
    /// <exception cref="ModelRegistryException">The file is missing or not a valid checkpoint.</exception>
    [Alias("Import")]
    Task<ModelVersion> ImportCheckpointAsync(string path, ModelLineage lineage, IReadOnlyList<string> tags);

    /// <summary>Every version, alias and alias change.</summary>
    [Alias("Get"), Orleans.Concurrency.ReadOnly]
    Task<ModelInfo> GetAsync();

    /// <summary>
    /// Versions newest first from <paramref name="skip"/>, at most <paramref name="take"/>, with every alias and the newest
    /// <paramref name="historyTake"/> alias changes.
    /// </summary>
    [Alias("GetPage"), Orleans.Concurrency.ReadOnly]
    Task<ModelPage> GetPageAsync(int skip, int take, int historyTake);

    /// <summary>A version by number (<c>3</c>), alias (<c>production</c>) or <c>latest</c>.</summary>
    /// <exception cref="ModelRegistryException">No such version or alias.</exception>
    [Alias("Resolve"), Orleans.Concurrency.ReadOnly]
    Task<ModelVersion> ResolveAsync(string versionOrAlias);

    /// <summary>Points <paramref name="alias"/> at <paramref name="version"/>, recording the change.</summary>
    [Alias("SetAlias")]
    Task<ModelInfo> SetAliasAsync(string alias, int version);

    /// <summary>Removes an alias, recording the change.</summary>
    [Alias("RemoveAlias")]
    Task<ModelInfo> RemoveAliasAsync(string alias);

    /// <summary>Adds a tag to a version.</summary>
    [Alias("Tag")]
    Task<ModelVersion> TagAsync(int version, string tag);

    /// <summary>The hashes of every artifact any version references (weights and tokenizer files), for garbage collection.</summary>
    [Alias("GetArtifactReferences"), Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> GetArtifactReferencesAsync();
}

/// <summary>A registry request was refused; the message names the model, version, alias or field.</summary>
[GenerateSerializer, Alias("ActorAI.ModelRegistryException")]
public sealed class ModelRegistryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelRegistryException(string message) : base(message) { }

    /// <summary>Creates the exception with no detail.</summary>
    public ModelRegistryException() : base("The model registry request was refused.") { }

    /// <summary>Creates the exception with a cause.</summary>
    public ModelRegistryException(string message, Exception inner) : base(message, inner) { }
}
