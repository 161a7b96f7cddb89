using System.Text.Json;
using System.Text.Json.Serialization;
using ActorAI.Data.Preparation;
using ActorAI.Data.SafeTensors;

namespace ActorAI.Data.Datasets;

/// <summary>
/// Describes a prepared dataset: how it was made (tokenizer, block size, normalization, settings, inputs), what was
/// left out and why, and per split the token counts and the shard files with their SHA-256. Stored as
/// <c>manifest.json</c> (snake_case keys) beside the shards; each shard is a safetensors file with one tensor
/// <c>tokens</c> of shape [blocks, block_size + 1].
/// </summary>
public sealed class DatasetManifest
{
    /// <summary>The manifest format this build writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The manifest's file name inside the dataset directory.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The name of the token tensor in every shard.</summary>
    public const string TokensTensor = "tokens";

    /// <summary>Manifest format version; see <see cref="CurrentFormatVersion"/>.</summary>
    public required int FormatVersion { get; init; }

    /// <summary>When the dataset was prepared.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The tokenizer specification (<see cref="Tokenizers.TokenizerFactory.Create"/>).</summary>
    public required string Tokenizer { get; init; }

    /// <summary>The tokenizer's vocabulary size.</summary>
    public required int VocabularySize { get; init; }

    /// <summary>The token id appended after every document.</summary>
    public required int EndOfTextId { get; init; }

    /// <summary>Element type of the shards' token tensors: <c>U16</c> when the vocabulary fits, else <c>I32</c>.</summary>
    [JsonPropertyName("token_dtype")]
    [JsonConverter(typeof(JsonStringEnumConverter<SafeTensorDType>))]
    public required SafeTensorDType TokenDType { get; init; }

    /// <summary>Tokens per training sample; stored blocks hold one more (inputs and shifted targets).</summary>
    public required int BlockSize { get; init; }

    /// <summary>The seed mixed into the train/validation assignment.</summary>
    public required ulong Seed { get; init; }

    /// <summary>The requested share of documents in the validation split.</summary>
    public required double ValidationFraction { get; init; }

    /// <summary>The text normalization applied (<see cref="TextNormalizer.Version"/>).</summary>
    public required string Normalization { get; init; }

    /// <summary>The settings that decided which documents exist and were kept.</summary>
    public required DatasetPreparationSettings Preparation { get; init; }

    /// <summary>The training split.</summary>
    public required DatasetSplitManifest Train { get; init; }

    /// <summary>The validation split.</summary>
    public required DatasetSplitManifest Validation { get; init; }

    /// <summary>Every input file, in the order read.</summary>
    public required IReadOnlyList<DatasetInputFile> Inputs { get; init; }

    /// <summary>What was left out and why.</summary>
    public required DatasetDrops Drops { get; init; }

    /// <summary>The directory holding the manifest and its shards (not serialized).</summary>
    [JsonIgnore]
    public string Directory { get; internal set; } = "";

    /// <summary>The manifest of <paramref name="split"/>.</summary>
    public DatasetSplitManifest GetSplit(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => Train,
        DatasetSplit.Validation => Validation,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
    };

    /// <summary>The full path of <paramref name="shard"/>.</summary>
    public string GetShardPath(DatasetShard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return Path.Combine(Directory, shard.File);
    }

    /// <summary>The shard element type for a vocabulary of <paramref name="vocabularySize"/> ids.</summary>
    public static SafeTensorDType TokenDTypeFor(int vocabularySize) => vocabularySize <= 65536 ? SafeTensorDType.U16 : SafeTensorDType.I32;

    /// <summary>
    /// Loads and checks a manifest: <paramref name="path"/> is the manifest file or the dataset directory. The format
    /// version, required fields, counts and the presence of every shard file are checked; shard contents are verified
    /// against their SHA-256 by <see cref="TokenDataset"/> before use.
    /// </summary>
    /// <exception cref="DatasetFormatException">The manifest is missing, malformed or inconsistent, or a shard is missing.</exception>
    public static DatasetManifest Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Load(Path.GetFullPath(System.IO.Directory.Exists(path) ? Path.Combine(path, FileName) : path), requireShards: true);
    }

    /// <summary>
    /// Loads and checks a manifest file held apart from its shards (an artifact, say): as <see cref="Load(string)"/>, but
    /// the shard files are not looked for.
    /// </summary>
    /// <exception cref="DatasetFormatException">The manifest is missing, malformed or inconsistent.</exception>
    public static DatasetManifest ReadDetached(string manifestFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(manifestFile);
        return Load(Path.GetFullPath(manifestFile), requireShards: false);
    }

    private static DatasetManifest Load(string file, bool requireShards)
    {
        if (!File.Exists(file))
        {
            throw new DatasetFormatException($"{file}: dataset manifest not found (prepare the dataset first)");
        }
        byte[] bytes = File.ReadAllBytes(file);
        DatasetManifest? manifest;
        try
        {
            using (JsonDocument document = JsonDocument.Parse(bytes))
            {
                CheckVersion(file, document.RootElement);
            }
            manifest = JsonSerializer.Deserialize<DatasetManifest>(bytes, DatasetJson.Options);
        }
        catch (JsonException ex)
        {
            throw new DatasetFormatException($"{file}: not a valid dataset manifest: {ex.Message}", ex);
        }
        if (manifest is null)
        {
            throw new DatasetFormatException($"{file}: not a valid dataset manifest: the document is null");
        }
        manifest.Directory = Path.GetDirectoryName(file)!;
        manifest.Check(file, requireShards);
        return manifest;
    }

    /// <summary>Writes the manifest to <see cref="FileName"/> in <see cref="Directory"/>, atomically.</summary>
    internal void Save()
    {
        string path = Path.Combine(Directory, FileName);
        string temporary = Path.Combine(Directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(this, DatasetJson.Options));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void CheckVersion(string file, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new DatasetFormatException($"{file}: a dataset manifest must be a JSON object");
        }
        if (!root.TryGetProperty("format_version", out JsonElement version) || version.ValueKind != JsonValueKind.Number)
        {
            throw new DatasetFormatException($"{file}: format_version is missing (not a dataset manifest?)");
        }
        if (!version.TryGetInt32(out int value) || value != CurrentFormatVersion)
        {
            throw new DatasetFormatException(
                $"{file}: format_version {version.GetRawText()} is not supported; this build reads version {CurrentFormatVersion}");
        }
    }

    private void Check(string file, bool requireShards)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Tokenizer))
        {
            problems.Add("tokenizer is empty");
        }
        if (VocabularySize < 1)
        {
            problems.Add($"vocabulary_size must be positive (was {VocabularySize})");
        }
        if (EndOfTextId < 0 || EndOfTextId >= VocabularySize)
        {
            problems.Add($"end_of_text_id {EndOfTextId} is outside the vocabulary (0..{VocabularySize - 1})");
        }
        if (VocabularySize >= 1 && TokenDType != TokenDTypeFor(VocabularySize))
        {
            problems.Add($"token_dtype {TokenDType} does not match vocabulary_size {VocabularySize} (expected {TokenDTypeFor(VocabularySize)})");
        }
        if (BlockSize < 1)
        {
            problems.Add($"block_size must be positive (was {BlockSize})");
        }
        CheckSplit("train", Train, requireShards, problems);
        CheckSplit("validation", Validation, requireShards, problems);
        if (problems.Count > 0)
        {
            throw new DatasetFormatException($"{file}: {string.Join("; ", problems)}");
        }
    }

    private void CheckSplit(string name, DatasetSplitManifest split, bool requireShards, List<string> problems)
    {
        if (split.Documents < 0 || split.Tokens < 0 || split.Utf8Bytes < 0 || split.Blocks < 0 || split.TailTokens < 0)
        {
            problems.Add($"{name}: counts must not be negative");
        }
        long blocks = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (DatasetShard shard in split.Shards)
        {
            if (string.IsNullOrEmpty(shard.File) || shard.File != Path.GetFileName(shard.File) || shard.File is "." or ".."
                || !names.Add(shard.File))
            {
                problems.Add($"{name}: shard file '{shard.File}' must be a distinct plain file name inside the dataset directory");
                continue;
            }
            if (shard.Blocks < 1)
            {
                problems.Add($"{name}: shard '{shard.File}' must hold at least one block (was {shard.Blocks})");
            }
            if (shard.Sha256.Length != 64 || !shard.Sha256.All(char.IsAsciiHexDigitLower))
            {
                problems.Add($"{name}: shard '{shard.File}' sha256 must be 64 lower-case hex digits");
            }
            if (requireShards && !File.Exists(GetShardPath(shard)))
            {
                problems.Add($"{name}: shard '{shard.File}' is missing from {Directory}");
            }
            blocks += shard.Blocks;
        }
        if (blocks != split.Blocks)
        {
            problems.Add($"{name}: blocks is {split.Blocks} but its shards hold {blocks}");
        }
    }
}

/// <summary>One split of a prepared dataset.</summary>
public sealed class DatasetSplitManifest
{
    /// <summary>Documents in the split.</summary>
    public required long Documents { get; init; }

    /// <summary>Tokens in the split's stream: every document's tokens plus one end-of-text id per document.</summary>
    public required long Tokens { get; init; }

    /// <summary>UTF-8 bytes of the split's normalized document text (for bits per byte: loss × tokens / bytes / ln 2).</summary>
    public required long Utf8Bytes { get; init; }

    /// <summary>Blocks of <c>block_size + 1</c> tokens stored; consecutive blocks share one token.</summary>
    public required long Blocks { get; init; }

    /// <summary>Tokens at the end of the stream that fill no complete block and were dropped.</summary>
    public required long TailTokens { get; init; }

    /// <summary>The shard files in order; block indices run through them consecutively.</summary>
    public required IReadOnlyList<DatasetShard> Shards { get; init; }
}

/// <summary>One shard file of a split.</summary>
public sealed class DatasetShard
{
    /// <summary>File name inside the dataset directory, e.g. <c>train-00000.safetensors</c>.</summary>
    public required string File { get; init; }

    /// <summary>Blocks in the shard (the first dimension of its token tensor).</summary>
    public required long Blocks { get; init; }

    /// <summary>SHA-256 of the whole file, lower-case hex.</summary>
    public required string Sha256 { get; init; }
}

/// <summary>One input file.</summary>
public sealed class DatasetInputFile
{
    /// <summary>Full path as read.</summary>
    public required string Path { get; init; }

    /// <summary><c>txt</c>, <c>jsonl</c> or <c>unsupported</c>.</summary>
    public required string Format { get; init; }

    /// <summary>File size in bytes.</summary>
    public required long Bytes { get; init; }

    /// <summary>Records read: documents of a <c>.txt</c> file or non-blank lines of a <c>.jsonl</c> file.</summary>
    public required long Documents { get; init; }

    /// <summary>Documents kept after validation, normalization, deduplication and length limits.</summary>
    public required long Kept { get; init; }
}

/// <summary>The settings that decided which documents exist and were kept, recorded for lineage.</summary>
public sealed class DatasetPreparationSettings
{
    /// <summary><see cref="DataPreparationOptions.TextField"/>.</summary>
    public required string TextField { get; init; }

    /// <summary><see cref="DataPreparationOptions.DocumentMode"/>.</summary>
    public required TextDocumentMode DocumentMode { get; init; }

    /// <summary><see cref="DataPreparationOptions.DocumentSeparator"/>.</summary>
    public required string DocumentSeparator { get; init; }

    /// <summary><see cref="DataPreparationOptions.MinDocumentChars"/>.</summary>
    public required int MinDocumentChars { get; init; }

    /// <summary><see cref="DataPreparationOptions.MaxDocumentChars"/>.</summary>
    public required int MaxDocumentChars { get; init; }

    /// <summary><see cref="DataPreparationOptions.MaxRecordBytes"/>.</summary>
    public required int MaxRecordBytes { get; init; }

    /// <summary><see cref="DataPreparationOptions.TokensPerShard"/>.</summary>
    public required int TokensPerShard { get; init; }
}

/// <summary>What data preparation left out.</summary>
public sealed class DatasetDrops
{
    /// <summary>Counts by reason.</summary>
    public required DropCounts Counts { get; init; }

    /// <summary>The first dropped records in input order, up to <see cref="DataPreparationOptions.MaxDropExamples"/>.</summary>
    public required IReadOnlyList<DropExample> Examples { get; init; }
}

/// <summary>Dropped records by reason.</summary>
public sealed class DropCounts
{
    /// <summary>Records that are not valid UTF-8.</summary>
    public long InvalidUtf8 { get; init; }

    /// <summary><c>.jsonl</c> lines that are not JSON objects.</summary>
    public long BadJson { get; init; }

    /// <summary><c>.jsonl</c> objects without a string text field.</summary>
    public long MissingField { get; init; }

    /// <summary>Exact duplicates of an earlier document after normalization.</summary>
    public long Duplicate { get; init; }

    /// <summary>Documents under the minimum length.</summary>
    public long TooShort { get; init; }

    /// <summary>Documents over the maximum length, or raw records over the byte limit.</summary>
    public long TooLong { get; init; }

    /// <summary>Files with an unsupported extension.</summary>
    public long UnsupportedFile { get; init; }

    /// <summary>The count for <paramref name="reason"/>.</summary>
    public long this[DropReason reason] => reason switch
    {
        DropReason.InvalidUtf8 => InvalidUtf8,
        DropReason.BadJson => BadJson,
        DropReason.MissingField => MissingField,
        DropReason.Duplicate => Duplicate,
        DropReason.TooShort => TooShort,
        DropReason.TooLong => TooLong,
        DropReason.UnsupportedFile => UnsupportedFile,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown drop reason"),
    };
}

/// <summary>One dropped record.</summary>
public sealed class DropExample
{
    /// <summary>The input file.</summary>
    public required string File { get; init; }

    /// <summary>1-based line of the problem (0 for a whole file).</summary>
    public required long Line { get; init; }

    /// <summary>Why it was dropped.</summary>
    public required DropReason Reason { get; init; }

    /// <summary>Details, e.g. the JSON error or the length.</summary>
    public required string Detail { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}: {Reason}: {Detail}";
}

/// <summary>JSON settings of dataset manifests.</summary>
internal static class DatasetJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        RespectNullableAnnotations = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        NumberHandling = JsonNumberHandling.Strict,
        AllowTrailingCommas = false,
    };
}
