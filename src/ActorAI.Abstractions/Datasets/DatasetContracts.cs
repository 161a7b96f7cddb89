namespace ActorAI.Abstractions.Datasets;

/// <summary>One file stored as an artifact: its name where it is used, its SHA-256 (the artifact's name) and its size.</summary>
/// <param name="Name">
/// The file's path relative to the directory it belongs in, with <c>/</c> between folders (<c>manifest.json</c>,
/// <c>train-00000.safetensors</c>, <c>tokenizer/vocab.json</c>).
/// </param>
/// <param name="Sha256">The artifact holding its bytes (lower-case hex).</param>
/// <param name="Size">Its length in bytes.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.NamedArtifact")]
public sealed record NamedArtifact(
    [property: Id(0)] string Name,
    [property: Id(1)] string Sha256,
    [property: Id(2)] long Size);

/// <summary>Where a dataset version came from, read from its manifest when it was registered.</summary>
/// <param name="SourceSha256">
/// SHA-256 over the manifest's list of inputs (one line per input file: path, format, bytes, documents read, documents
/// kept). The manifest records no hash of the input bytes, so this identifies the input listing, not its content; the
/// content of what is trained on is identified by the manifest's hash, which covers every shard's hash.
/// </param>
/// <param name="Tokenizer">The tokenizer spec the data was prepared with (a <c>bpe:</c> path is where it was on the preparing machine).</param>
/// <param name="Options">The preparation settings (block size, validation share, seed, normalization, document mode, limits).</param>
/// <param name="Inputs">The input files as read on the preparing machine.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.DatasetLineage")]
public sealed record DatasetLineage(
    [property: Id(0)] string SourceSha256,
    [property: Id(1)] string Tokenizer,
    [property: Id(2)] IReadOnlyDictionary<string, string> Options,
    [property: Id(3)] IReadOnlyList<string> Inputs);

/// <summary>One registered version of a named dataset: its files as artifacts, its tokenizer and lineage.</summary>
/// <param name="Version">1, 2, ... in registration order.</param>
/// <param name="ManifestSha256">The artifact of its <c>manifest.json</c>, which lists every shard's hash.</param>
/// <param name="Files">Every file of the dataset directory: the manifest, the shards and the tokenizer files.</param>
/// <param name="Tokenizer">The tokenizer spec of its manifest.</param>
/// <param name="TokenizerFiles">
/// For a <c>bpe:</c> tokenizer, its files (<c>vocab.json</c>, <c>merges.txt</c>, named inside the tokenizer's
/// directory); empty for built-in tokenizers.
/// </param>
/// <param name="Lineage">Where it came from.</param>
/// <param name="VocabularySize">The tokenizer's vocabulary size.</param>
/// <param name="BlockSize">Tokens per training sample.</param>
/// <param name="TrainTokens">Tokens of the training split.</param>
/// <param name="ValidationTokens">Tokens of the validation split.</param>
/// <param name="Tags">Labels given when it was pushed.</param>
/// <param name="CreatedAt">When it was registered.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.DatasetVersion")]
public sealed record DatasetVersion(
    [property: Id(0)] int Version,
    [property: Id(1)] string ManifestSha256,
    [property: Id(2)] IReadOnlyList<NamedArtifact> Files,
    [property: Id(3)] string Tokenizer,
    [property: Id(4)] IReadOnlyList<NamedArtifact> TokenizerFiles,
    [property: Id(5)] DatasetLineage Lineage,
    [property: Id(6)] int VocabularySize,
    [property: Id(7)] int BlockSize,
    [property: Id(8)] long TrainTokens,
    [property: Id(9)] long ValidationTokens,
    [property: Id(10)] IReadOnlyList<string> Tags,
    [property: Id(11)] DateTimeOffset CreatedAt)
{
    /// <summary>Bytes of all its files.</summary>
    public long Bytes => Files.Sum(f => f.Size);
}

/// <summary>A named dataset and its versions, oldest first.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.DatasetInfo")]
public sealed record DatasetInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<DatasetVersion> Versions)
{
    /// <summary>The newest version, or <see langword="null"/> when none is registered.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DatasetVersion? Latest => Versions.Count > 0 ? Versions[^1] : null;
}

/// <summary>The answer to a registration: the version, and whether it is new (false: the latest version had the same manifest).</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.DatasetRegistration")]
public sealed record DatasetRegistration(
    [property: Id(0)] string Name,
    [property: Id(1)] DatasetVersion Version,
    [property: Id(2)] bool Created);

/// <summary>
/// A named, versioned dataset (key: its name, see <see cref="DatasetNames"/>), persisted. Its files are artifacts; the
/// grain holds only their hashes.
/// </summary>
[Alias("ActorAI.IDatasetGrain")]
public interface IDatasetGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers a new version made of <paramref name="files"/>, already uploaded as artifacts. The files must be exactly
    /// the manifest (<c>manifest.json</c>), the shards it lists (each with the hash the manifest gives) and, for a
    /// <c>bpe:</c> tokenizer, <c>tokenizer/vocab.json</c> and <c>tokenizer/merges.txt</c>. Registering the manifest of
    /// the latest version again returns that version.
    /// </summary>
    /// <exception cref="DatasetException">The name, a tag, a file or the manifest is refused; the message names it.</exception>
    [Alias("Register")]
    Task<DatasetRegistration> RegisterAsync(IReadOnlyList<NamedArtifact> files, IReadOnlyList<string> tags);

    /// <summary>Every version (none when nothing was registered under this name).</summary>
    [Alias("Get"), Orleans.Concurrency.ReadOnly]
    Task<DatasetInfo> GetAsync();

    /// <summary>A version by number (<c>3</c>) or <c>latest</c>.</summary>
    /// <exception cref="DatasetException">No versions, or no such version.</exception>
    [Alias("Resolve"), Orleans.Concurrency.ReadOnly]
    Task<DatasetVersion> ResolveAsync(string version);

    /// <summary>The hashes of every artifact any version references (files, manifest and tokenizer), for garbage collection.</summary>
    [Alias("GetArtifactReferences"), Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> GetArtifactReferencesAsync();
}

/// <summary>A dataset request was refused; the message names the dataset, version, file or field and the limit.</summary>
[GenerateSerializer, Alias("ActorAI.DatasetException")]
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatasetException(string message) : base(message) { }

    /// <summary>Creates the exception with no detail.</summary>
    public DatasetException() : base("The dataset request was refused.") { }

    /// <summary>Creates the exception with a cause.</summary>
    public DatasetException(string message, Exception inner) : base(message, inner) { }
}
