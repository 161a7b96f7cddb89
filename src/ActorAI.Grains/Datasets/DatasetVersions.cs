using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;
using ActorAI.Data.Datasets;

namespace ActorAI.Grains.Datasets;

/// <summary>The rules a dataset version's files follow, and what a version records from its manifest.</summary>
internal static class DatasetVersions
{
    /// <summary>Most files one version may have.</summary>
    public const int MaxFiles = 100_000;

    /// <summary>Most tags one version may carry.</summary>
    public const int MaxTags = 32;

    /// <summary>Longest tag.</summary>
    public const int MaxTagLength = 64;

    /// <summary>Checks what can be checked without the manifest: counts, distinct names, hashes, sizes, tags.</summary>
    public static void CheckShape(IReadOnlyList<NamedArtifact> files, IReadOnlyList<string> tags)
    {
        if (files is null || files.Count is 0 or > MaxFiles)
        {
            throw new DatasetException($"files: a dataset version has 1..{MaxFiles} files (was {files?.Count ?? 0})");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (NamedArtifact file in files)
        {
            if (file is null || string.IsNullOrEmpty(file.Name) || !names.Add(file.Name))
            {
                throw new DatasetException($"files: every file needs a distinct name (was '{file?.Name}')");
            }
            if (!ArtifactLimits.IsSha256(file.Sha256))
            {
                throw new DatasetException($"files: '{file.Name}' has sha256 '{file.Sha256}', not 64 lower-case hex digits");
            }
            if (file.Size < 0)
            {
                throw new DatasetException($"files: '{file.Name}' has a negative size ({file.Size})");
            }
        }
        if (tags is null || tags.Count > MaxTags || tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > MaxTagLength))
        {
            throw new DatasetException($"tags: at most {MaxTags} tags of 1-{MaxTagLength} characters, not blank");
        }
    }

    /// <summary>The file names a dataset with <paramref name="manifest"/> consists of, in order: manifest, shards, tokenizer.</summary>
    public static IReadOnlyList<string> ExpectedFiles(DatasetManifest manifest) =>
    [
        DatasetNames.ManifestFile,
        .. manifest.Train.Shards.Concat(manifest.Validation.Shards).Select(s => s.File),
        .. IsBpe(manifest.Tokenizer) ? DatasetNames.BpeTokenizerFiles.Select(f => $"{DatasetNames.TokenizerFolder}/{f}") : [],
    ];

    /// <summary>Whether a tokenizer spec names a trained BPE, whose files must travel with the dataset.</summary>
    public static bool IsBpe(string tokenizer) => tokenizer.StartsWith(DatasetNames.BpeTokenizerPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Version <paramref name="number"/> made of <paramref name="files"/> described by <paramref name="manifest"/>: the
    /// files must be exactly <see cref="ExpectedFiles"/>, and each shard's artifact must be the hash the manifest gives.
    /// </summary>
    /// <exception cref="DatasetException">The files do not match the manifest; the message lists the differences.</exception>
    public static DatasetVersion Create(int number, IReadOnlyList<NamedArtifact> files, DatasetManifest manifest, IReadOnlyList<string> tags, DateTimeOffset now)
    {
        IReadOnlyList<string> expected = ExpectedFiles(manifest);
        Dictionary<string, NamedArtifact> byName = files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        string[] missing = [.. expected.Where(n => !byName.ContainsKey(n))];
        string[] unexpected = [.. byName.Keys.Except(expected, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        if (missing.Length > 0 || unexpected.Length > 0)
        {
            throw new DatasetException(
                $"files: must be exactly {DatasetNames.ManifestFile}, the {expected.Count - 1 - (IsBpe(manifest.Tokenizer) ? 2 : 0)} shards it lists"
                + (IsBpe(manifest.Tokenizer) ? " and the tokenizer's files" : "")
                + (missing.Length > 0 ? $"; missing: {string.Join(", ", missing)}" : "")
                + (unexpected.Length > 0 ? $"; not part of the dataset: {string.Join(", ", unexpected)}" : ""));
        }
        foreach (DatasetShard shard in manifest.Train.Shards.Concat(manifest.Validation.Shards))
        {
            if (byName[shard.File].Sha256 != shard.Sha256)
            {
                throw new DatasetException($"files: '{shard.File}' is artifact {byName[shard.File].Sha256}, but the manifest gives its SHA-256 as {shard.Sha256}");
            }
        }
        string prefix = DatasetNames.TokenizerFolder + "/";
        return new DatasetVersion(
            number,
            byName[DatasetNames.ManifestFile].Sha256,
            [.. expected.Select(n => byName[n])],
            manifest.Tokenizer,
            [.. expected.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => byName[n] with { Name = n[prefix.Length..] })],
            Lineage(manifest),
            manifest.VocabularySize,
            manifest.BlockSize,
            manifest.Train.Tokens,
            manifest.Validation.Tokens,
            [.. tags.Distinct(StringComparer.Ordinal)],
            now);
    }

    /// <summary>The lineage a manifest records.</summary>
    public static DatasetLineage Lineage(DatasetManifest manifest)
    {
        DatasetPreparationSettings p = manifest.Preparation;
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["block_size"] = Invariant(manifest.BlockSize),
            ["validation_fraction"] = Invariant(manifest.ValidationFraction),
            ["seed"] = Invariant(manifest.Seed),
            ["normalization"] = manifest.Normalization,
            ["token_dtype"] = manifest.TokenDType.ToString(),
            ["text_field"] = p.TextField,
            ["document_mode"] = p.DocumentMode.ToString(),
            ["document_separator"] = p.DocumentSeparator,
            ["min_document_chars"] = Invariant(p.MinDocumentChars),
            ["max_document_chars"] = Invariant(p.MaxDocumentChars),
            ["max_record_bytes"] = Invariant(p.MaxRecordBytes),
            ["tokens_per_shard"] = Invariant(p.TokensPerShard),
        };
        return new DatasetLineage(SourceSha256(manifest), manifest.Tokenizer, options, [.. manifest.Inputs.Select(i => i.Path)]);
    }

    /// <summary>SHA-256 over the manifest's inputs: one line per file with its path, format, bytes, documents read and kept.</summary>
    public static string SourceSha256(DatasetManifest manifest)
    {
        var text = new StringBuilder();
        foreach (DatasetInputFile input in manifest.Inputs)
        {
            text.Append(CultureInfo.InvariantCulture, $"{input.Path}\t{input.Format}\t{input.Bytes}\t{input.Documents}\t{input.Kept}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
