using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Models;
using ActorAI.Data.Datasets;
using ActorAI.Grains.Storage;
using ActorAI.Grains.Training;

namespace ActorAI.Grains.Datasets;

/// <summary>A dataset as one silo reads it: a local directory with its manifest.</summary>
/// <param name="Directory">The dataset directory (the given path, or the materialized copy of a named version).</param>
/// <param name="Manifest">Its manifest.</param>
public sealed record LocalDataset(string Directory, DatasetManifest Manifest);

/// <summary>
/// The one way grains reach the dataset of a job (<see cref="TrainingJobSpec.Dataset"/>): a path (it contains a
/// separator, see <see cref="DatasetNames"/>) is read where it is, as before; a reference <c>NAME[@N]</c> is resolved
/// through its <see cref="IDatasetGrain"/> and read from the artifact plane — only the manifest for the shape of the
/// model, the whole dataset (materialized by <see cref="DatasetCache"/>) for training. Jobs pin their reference to
/// <c>NAME@N</c> at submission, so what a pinned reference reads never changes and is cached for the silo's lifetime.
/// </summary>
public sealed class DatasetResolver(IGrainFactory grains, IArtifactStore artifacts, DatasetCache cache, ImportRoots roots)
{
    /// <summary>
    /// The answer for every dataset path this silo will not read — missing, outside <c>Artifacts:ImportRoots</c>, a file
    /// linked from outside them — so that it tells nothing about files outside the roots.
    /// </summary>
    public const string PathRefused =
        "is not a prepared dataset under this silo's Artifacts:ImportRoots (an absolute path whose manifest.json and shards lie under a root); push it with `actorai data push` to train on it from any host";

    private readonly ConcurrentDictionary<string, Lazy<Task<DatasetManifest>>> _manifests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<LocalDataset>>> _local = new(StringComparer.Ordinal);

    /// <summary>
    /// What a submitted spec becomes: a dataset reference pinned to <c>NAME@N</c> (the latest version when none is
    /// given), with every problem of what the spec refers to, each naming its field.
    /// </summary>
    public async Task<(TrainingJobSpec Spec, IReadOnlyList<string> Errors)> PrepareSubmissionAsync(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DatasetManifest? manifest = null;
        string? problem = null;
        try
        {
            if (DatasetNames.IsPath(spec.Dataset))
            {
                _manifests.TryRemove(spec.Dataset, out _); // a path is read afresh at each submission
            }
            else
            {
                DatasetVersion version = await VersionAsync(spec.Dataset);
                spec = spec with { Dataset = DatasetNames.Pinned(ReferenceName(spec.Dataset), version.Version) };
            }
            manifest = await ManifestAsync(spec.Dataset);
        }
        catch (Exception ex) when (IsDatasetProblem(ex))
        {
            problem = $"Dataset '{spec.Dataset}' cannot be used: {ex.Message}";
        }
        return (spec, TrainingModel.CheckReferences(spec, manifest, problem));
    }

    /// <summary>
    /// Whether <paramref name="submitted"/> asks for the job <paramref name="stored"/> already is: equal, or equal but for
    /// an unpinned reference to the dataset the stored spec pinned.
    /// </summary>
    public static bool IsSameSubmission(TrainingJobSpec stored, TrainingJobSpec submitted) =>
        IsSamePinned(submitted.Stages is null ? stored with { Stages = null } : stored, submitted); // automatic stages were resolved at submit

    private static bool IsSamePinned(TrainingJobSpec stored, TrainingJobSpec submitted) =>
        stored == submitted
        || (DatasetNames.TryParse(submitted.Dataset, out string? name, out int? version) && version is null
            && DatasetNames.TryParse(stored.Dataset, out string? pinned, out _) && pinned == name
            && stored with { Dataset = submitted.Dataset } == submitted);

    /// <summary>The version a reference names.</summary>
    /// <exception cref="DatasetException">Not a reference, no such dataset or no such version.</exception>
    public Task<DatasetVersion> VersionAsync(string reference)
    {
        if (!DatasetNames.TryParse(reference, out string? name, out int? version))
        {
            throw new DatasetException(DatasetNames.ReferenceProblem(reference)!);
        }
        return grains.GetGrain<IDatasetGrain>(name).ResolveAsync(version?.ToString(CultureInfo.InvariantCulture) ?? DatasetNames.Latest);
    }

    /// <summary>The manifest of a dataset: loaded from the path, or from the manifest artifact of a named version.</summary>
    public Task<DatasetManifest> ManifestAsync(string dataset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        return DatasetNames.IsPath(dataset) || IsPinned(dataset)
            ? Cached(_manifests, dataset, LoadManifestAsync)
            : LoadManifestAsync(dataset);
    }

    /// <summary>The model configuration a spec asks for: its preset with the dataset's vocabulary.</summary>
    public async Task<GptConfig> ConfigAsync(TrainingJobSpec spec) => TrainingModel.Config(spec, await ManifestAsync(spec.Dataset));

    /// <summary>The dataset as a local directory: the path itself, or a named version materialized on this silo.</summary>
    public Task<LocalDataset> LocalAsync(string dataset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        return DatasetNames.IsPath(dataset) || IsPinned(dataset) ? Cached(_local, dataset, LoadLocalAsync) : LoadLocalAsync(dataset);
    }

    /// <summary>The SHA-256 of the dataset's manifest, or <see langword="null"/> when a path's manifest cannot be read here.</summary>
    public async Task<string?> ManifestSha256Async(string dataset)
    {
        if (!DatasetNames.IsPath(dataset))
        {
            return (await VersionAsync(dataset)).ManifestSha256;
        }
        string path = dataset.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? dataset : Path.Combine(dataset, DatasetManifest.FileName);
        return roots.Resolve(path) is { } real ? Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(real))) : null;
    }

    /// <summary>
    /// The tokenizer files of a dataset as artifacts: those of a named version; for a path whose <c>bpe:</c> directory
    /// this silo can read, its files imported into the artifact store now; otherwise none.
    /// </summary>
    public async Task<IReadOnlyList<NamedArtifact>> TokenizerArtifactsAsync(string dataset)
    {
        if (!DatasetNames.IsPath(dataset))
        {
            return (await VersionAsync(dataset)).TokenizerFiles;
        }
        DatasetManifest manifest = await ManifestAsync(dataset);
        string directory = manifest.Tokenizer.StartsWith(DatasetNames.BpeTokenizerPrefix, StringComparison.Ordinal)
            ? manifest.Tokenizer[DatasetNames.BpeTokenizerPrefix.Length..]
            : "";
        string?[] files = [.. DatasetNames.BpeTokenizerFiles.Select(f => directory.Length == 0 ? null : roots.Resolve(Path.Combine(directory, f)))];
        if (files.Any(f => f is null))
        {
            return [];
        }
        var imported = new List<NamedArtifact>();
        foreach ((string file, string? real) in DatasetNames.BpeTokenizerFiles.Zip(files))
        {
            string temporary = artifacts.NewTemporaryPath(Path.GetExtension(file));
            File.Copy(real!, temporary);
            long size = new FileInfo(temporary).Length;
            imported.Add(new NamedArtifact(file, await artifacts.ImportAsync(temporary), size));
        }
        return imported;
    }

    /// <summary>Whether an exception says the dataset cannot be used (rather than that the cluster failed).</summary>
    internal static bool IsDatasetProblem(Exception ex) =>
        ex is DatasetException or DatasetFormatException or ArtifactException or IOException or UnauthorizedAccessException or ArgumentException;

    private async Task<DatasetManifest> LoadManifestAsync(string dataset)
    {
        if (DatasetNames.IsPath(dataset))
        {
            return await Task.Run(() => LoadUnderRoots(dataset));
        }
        DatasetVersion version = await VersionAsync(dataset);
        string path = await artifacts.OpenVerifiedAsync(version.ManifestSha256);
        return await Task.Run(() => DatasetManifest.ReadDetached(path));
    }

    private async Task<LocalDataset> LoadLocalAsync(string dataset)
    {
        if (DatasetNames.IsPath(dataset))
        {
            DatasetManifest manifest = await Task.Run(() => LoadUnderRoots(dataset));
            return new LocalDataset(manifest.Directory, manifest);
        }
        string directory = await cache.MaterializeDatasetAsync(await VersionAsync(dataset));
        return new LocalDataset(directory, await Task.Run(() => DatasetManifest.Load(directory)));
    }

    /// <summary>
    /// Loads a dataset path's manifest after checking that the manifest and every shard resolve (links followed) under
    /// the import roots; anything else is refused with <see cref="PathRefused"/>.
    /// </summary>
    private DatasetManifest LoadUnderRoots(string dataset)
    {
        string file = dataset.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? dataset : Path.Combine(dataset, DatasetManifest.FileName);
        string manifestFile = roots.Resolve(file) ?? throw new DatasetException($"Dataset '{dataset}' {PathRefused}");
        DatasetManifest manifest = DatasetManifest.Load(manifestFile);
        if (manifest.Train.Shards.Concat(manifest.Validation.Shards).Any(shard => roots.Resolve(manifest.GetShardPath(shard)) is null))
        {
            throw new DatasetException($"Dataset '{dataset}' {PathRefused}");
        }
        return manifest;
    }

    private static bool IsPinned(string reference) => DatasetNames.TryParse(reference, out _, out int? version) && version is not null;

    private static string ReferenceName(string reference) =>
        DatasetNames.TryParse(reference, out string? name, out _) ? name : throw new DatasetException(DatasetNames.ReferenceProblem(reference)!);

    // One load per key at a time; a failure is not remembered, so the next call tries again.
    private static async Task<T> Cached<T>(ConcurrentDictionary<string, Lazy<Task<T>>> cache, string key, Func<string, Task<T>> load)
    {
        Lazy<Task<T>> entry = cache.GetOrAdd(key, k => new Lazy<Task<T>>(() => load(k)));
        try
        {
            return await entry.Value.ConfigureAwait(false);
        }
        catch
        {
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, entry));
            throw;
        }
    }
}
