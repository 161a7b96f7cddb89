using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;
using ActorAI.Grains.Storage;

namespace ActorAI.Grains.Datasets;

/// <summary>
/// Makes a dataset version's files (or a tokenizer's) a local directory on this silo: each file is a hard link to (or,
/// across file systems, a copy of) the verified local copy <see cref="IArtifactStore.OpenVerifiedAsync"/> gives, under
/// its own name. The directory is named by content (a dataset by its manifest's hash, a tokenizer by a hash over its
/// files' names and hashes), built in a temporary folder and renamed into place, so a directory that exists is complete
/// and never changes. Concurrent callers on one silo share one build; silos sharing a disk race harmlessly (the loser's
/// copy is dropped). Directories are not removed by this class.
/// </summary>
public sealed class DatasetCache
{
    private readonly IArtifactStore _artifacts;
    private readonly string _datasets;
    private readonly string _tokenizers;
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _building = new(StringComparer.Ordinal);

    /// <summary>Creates the cache under <paramref name="directory"/> (created when missing).</summary>
    public DatasetCache(IArtifactStore artifacts, string directory)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _artifacts = artifacts;
        string root = Path.GetFullPath(directory);
        _datasets = Path.Combine(root, "datasets");
        _tokenizers = Path.Combine(root, "tokenizers");
    }

    /// <summary>The local directory holding <paramref name="version"/>'s files (manifest, shards, <c>tokenizer/</c>).</summary>
    /// <exception cref="ArtifactException">A file's artifact is missing or corrupt.</exception>
    public Task<string> MaterializeDatasetAsync(DatasetVersion version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        return MaterializeAsync(Path.Combine(_datasets, ArtifactLimits.RequireSha256(version.ManifestSha256)), version.Files, cancellationToken);
    }

    /// <summary>The local directory holding a tokenizer's <paramref name="files"/> (e.g. <c>vocab.json</c>, <c>merges.txt</c>).</summary>
    /// <exception cref="ArtifactException">A file's artifact is missing or corrupt.</exception>
    public Task<string> MaterializeTokenizerAsync(IReadOnlyList<NamedArtifact> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        return MaterializeAsync(Path.Combine(_tokenizers, KeyOf(files)), files, cancellationToken);
    }

    /// <summary>A hash over the files' names and hashes: equal for equal contents under equal names.</summary>
    internal static string KeyOf(IReadOnlyList<NamedArtifact> files) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\n', files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => $"{f.Name}\t{f.Sha256}")))));

    private async Task<string> MaterializeAsync(string target, IReadOnlyList<NamedArtifact> files, CancellationToken cancellationToken)
    {
        if (Directory.Exists(target))
        {
            return target;
        }
        // The build itself is not cancelled by one caller: others may be waiting for it.
        Lazy<Task<string>> build = _building.GetOrAdd(target, t => new Lazy<Task<string>>(() => BuildAndForgetAsync(t, files)));
        return await build.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> BuildAndForgetAsync(string target, IReadOnlyList<NamedArtifact> files)
    {
        try
        {
            return await BuildAsync(target, files).ConfigureAwait(false);
        }
        finally
        {
            _building.TryRemove(target, out _); // a failed build is tried again by the next caller
        }
    }

    private async Task<string> BuildAsync(string target, IReadOnlyList<NamedArtifact> files)
    {
        string temporary = $"{target}.{Guid.NewGuid():N}.tmp";
        Directory.CreateDirectory(temporary);
        try
        {
            foreach (NamedArtifact file in files)
            {
                string destination = PathInside(temporary, file.Name);
                string source = await _artifacts.OpenVerifiedAsync(file.Sha256).ConfigureAwait(false);
                await Task.Run(() =>
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    FileLinks.LinkOrCopy(source, destination);
                }).ConfigureAwait(false);
            }
            try
            {
                Directory.Move(temporary, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                Directory.Delete(temporary, recursive: true); // another silo on this disk finished first
            }
            return target;
        }
        catch
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
            throw;
        }
    }

    // A file name is a relative path with '/' between plain segments; anything that would leave the directory is refused.
    private static string PathInside(string directory, string name)
    {
        string[] segments = name.Split('/');
        if (segments.Any(s => s.Length == 0 || s is "." or ".." || s.Contains('\\', StringComparison.Ordinal)))
        {
            throw new ArtifactException($"file name '{name}' is not a relative path of plain names separated by '/'");
        }
        return Path.Combine([directory, .. segments]);
    }
}
