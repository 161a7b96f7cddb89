using System.Text.Json;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;

namespace ActorAI.Client;

/// <summary>How far <see cref="ActorAIClient.PushDatasetAsync"/> has got.</summary>
/// <param name="BytesSent">Bytes uploaded so far, over all files.</param>
/// <param name="TotalBytes">Bytes of all the dataset's files.</param>
/// <param name="FilesDone">Files uploaded.</param>
/// <param name="Files">Files to upload.</param>
/// <param name="CurrentFile">The file being uploaded (its name in the dataset).</param>
public sealed record DatasetPushProgress(long BytesSent, long TotalBytes, int FilesDone, int Files, string CurrentFile);

/// <summary>Named, versioned datasets: push a prepared directory, list, inspect.</summary>
public sealed partial class ActorAIClient
{
    /// <summary>
    /// Uploads every file of the prepared dataset in <paramref name="directory"/> — <c>manifest.json</c>, the shards it
    /// lists and, for a <c>bpe:</c> tokenizer, its <c>vocab.json</c> and <c>merges.txt</c> (from the directory the spec
    /// names, else from <c>DIRECTORY/tokenizer</c>) — as artifacts, then registers them as a version of dataset
    /// <paramref name="name"/>. Pushing the manifest of the latest version again registers nothing and returns that version.
    /// </summary>
    /// <exception cref="ArgumentException">The name is invalid, or the directory is not a prepared dataset (the message says why).</exception>
    /// <exception cref="ArtifactException">An upload was refused or lost.</exception>
    /// <exception cref="DatasetException">The cluster refused the version (the message names the field).</exception>
    public async Task<DatasetRegistration> PushDatasetAsync(
        string directory, string name, IProgress<DatasetPushProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (DatasetNames.Problem(name) is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }
        IReadOnlyList<(string Name, string Path)> files = DatasetDirectory.Files(directory);
        long total = files.Sum(f => new FileInfo(f.Path).Length);
        long done = 0;
        var uploaded = new List<NamedArtifact>(files.Count);
        foreach ((string fileName, string path) in files)
        {
            long before = done;
            var fileProgress = progress is null
                ? null
                : new InlineProgress<long>(sent => progress.Report(new DatasetPushProgress(before + sent, total, uploaded.Count, files.Count, fileName)));
            ArtifactInfo info = await UploadArtifactAsync(path, fileProgress, cancellationToken).ConfigureAwait(false);
            uploaded.Add(new NamedArtifact(fileName, info.Sha256, info.Size));
            done += info.Size;
            progress?.Report(new DatasetPushProgress(done, total, uploaded.Count, files.Count, fileName));
        }
        return await Dataset(name).RegisterAsync(uploaded, []).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every named dataset with its versions, in the order first pushed.</summary>
    public async Task<IReadOnlyList<DatasetInfo>> ListDatasetsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> names = await Index(INameIndexGrain.Datasets).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        DatasetInfo[] infos = await Task.WhenAll(names.Select(n => Dataset(n).GetAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. infos.Where(i => i.Versions.Count > 0)];
    }

    /// <summary>A dataset, or <see langword="null"/> when nothing is registered under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    public async Task<DatasetInfo?> GetDatasetAsync(string name, CancellationToken cancellationToken = default)
    {
        if (DatasetNames.Problem(name) is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }
        DatasetInfo info = await Dataset(name).GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return info.Versions.Count > 0 ? info : null;
    }

    /// <summary>The version a reference <c>NAME</c>, <c>NAME@N</c> or <c>NAME@latest</c> names.</summary>
    /// <exception cref="ArgumentException">The reference is malformed.</exception>
    /// <exception cref="DatasetException">No such dataset or version.</exception>
    public Task<DatasetVersion> ResolveDatasetAsync(string reference, CancellationToken cancellationToken = default)
    {
        if (!DatasetNames.TryParse(reference, out string? name, out int? version))
        {
            throw new ArgumentException(DatasetNames.ReferenceProblem(reference), nameof(reference));
        }
        return Dataset(name).ResolveAsync(version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? DatasetNames.Latest).WaitAsync(cancellationToken);
    }

    private IDatasetGrain Dataset(string name) => Cluster.GetGrain<IDatasetGrain>(name);

    // Reports on the uploading thread: Progress<T> would post to a captured context and could report out of order.
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>Which files make up a prepared dataset directory, read from its manifest (the cluster checks them again).</summary>
internal static class DatasetDirectory
{
    /// <summary>(name in the dataset, local path) of the manifest, every shard and a bpe tokenizer's files.</summary>
    /// <exception cref="ArgumentException">The directory holds no readable manifest, or a listed file is missing.</exception>
    public static IReadOnlyList<(string Name, string Path)> Files(string directory)
    {
        string root = Path.GetFullPath(directory);
        string manifestPath = Path.Combine(root, DatasetNames.ManifestFile);
        if (!File.Exists(manifestPath))
        {
            throw new ArgumentException($"{root} is not a prepared dataset: it has no {DatasetNames.ManifestFile} (run `actorai data prepare` first)", nameof(directory));
        }
        var files = new List<(string, string)> { (DatasetNames.ManifestFile, manifestPath) };
        string tokenizer;
        try
        {
            using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
            foreach (string split in (string[])["train", "validation"])
            {
                foreach (JsonElement shard in manifest.RootElement.GetProperty(split).GetProperty("shards").EnumerateArray())
                {
                    string file = shard.GetProperty("file").GetString() ?? "";
                    files.Add((file, Path.Combine(root, file)));
                }
            }
            tokenizer = manifest.RootElement.GetProperty("tokenizer").GetString() ?? "";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ArgumentException($"{manifestPath} is not a valid dataset manifest: {ex.Message}", nameof(directory), ex);
        }
        if (tokenizer.StartsWith(DatasetNames.BpeTokenizerPrefix, StringComparison.Ordinal))
        {
            string named = tokenizer[DatasetNames.BpeTokenizerPrefix.Length..];
            string inside = Path.Combine(root, DatasetNames.TokenizerFolder);
            string? found = new[] { named, inside }.FirstOrDefault(d => d.Length > 0 && DatasetNames.BpeTokenizerFiles.All(f => File.Exists(Path.Combine(d, f))));
            if (found is null)
            {
                throw new ArgumentException($"the dataset's tokenizer {tokenizer} is not on this machine (looked in {named} and {inside} for {string.Join(" and ", DatasetNames.BpeTokenizerFiles)})", nameof(directory));
            }
            files.AddRange(DatasetNames.BpeTokenizerFiles.Select(f => ($"{DatasetNames.TokenizerFolder}/{f}", Path.Combine(found, f))));
        }
        if (files.FirstOrDefault(f => !File.Exists(f.Item2)) is { Item1: not null } missing)
        {
            throw new ArgumentException($"{missing.Item2} is listed in the manifest but missing", nameof(directory));
        }
        return files;
    }
}
