using System.Collections.Concurrent;
using System.Security.Cryptography;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;

namespace ActorAI.Cli.Tests.Datasets;

/// <summary>In-memory dataset grains, their index and artifact uploads, for the CLI tests.</summary>
internal sealed class FakeDatasets : INameIndexGrain
{
    private readonly ConcurrentDictionary<string, FakeDataset> _datasets = new();
    private readonly ConcurrentDictionary<Guid, FakeUpload> _uploads = new();
    private readonly List<string> _names = [];

    public static readonly DateTimeOffset Created = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

    /// <summary>Completed uploads: hash → bytes.</summary>
    public ConcurrentDictionary<string, byte[]> Artifacts { get; } = new();

    public IReadOnlyDictionary<string, FakeDataset> Datasets => _datasets;

    public FakeDataset Dataset(string name) => _datasets.GetOrAdd(name, n => new FakeDataset(n, this));

    public T? GetGrain<T>(string key) =>
        typeof(T) == typeof(IDatasetGrain) ? (T)(object)Dataset(key)
        : typeof(T) == typeof(INameIndexGrain) && key == INameIndexGrain.Datasets ? (T)(object)this
        : default;

    public T? GetGrain<T>(Guid key) =>
        typeof(T) == typeof(IArtifactUploadGrain) ? (T)(object)_uploads.GetOrAdd(key, _ => new FakeUpload(this)) : default;

    public Task AddAsync(string name)
    {
        lock (_names)
        {
            if (!_names.Contains(name))
            {
                _names.Add(name);
            }
        }
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string name) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> ListAsync()
    {
        lock (_names)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. _names]);
        }
    }
}

/// <summary>A dataset that records what it was asked to register (a version per new manifest).</summary>
internal sealed class FakeDataset(string name, FakeDatasets datasets) : IDatasetGrain
{
    public List<DatasetVersion> Versions { get; } = [];

    public async Task<DatasetRegistration> RegisterAsync(IReadOnlyList<NamedArtifact> files, IReadOnlyList<string> tags)
    {
        NamedArtifact manifest = files.Single(f => f.Name == DatasetNames.ManifestFile);
        if (files.FirstOrDefault(f => !datasets.Artifacts.ContainsKey(f.Sha256)) is { } missing)
        {
            throw new DatasetException($"files: '{missing.Name}' (artifact {missing.Sha256}) is not in the artifact store; upload it first");
        }
        if (Versions.Count > 0 && Versions[^1].ManifestSha256 == manifest.Sha256)
        {
            return new DatasetRegistration(name, Versions[^1], false);
        }
        var version = Version(Versions.Count + 1, manifest.Sha256, files);
        Versions.Add(version);
        await datasets.AddAsync(name);
        return new DatasetRegistration(name, version, true);
    }

    public Task<DatasetInfo> GetAsync() => Task.FromResult(new DatasetInfo(name, [.. Versions]));

    public Task<DatasetVersion> ResolveAsync(string version) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> GetArtifactReferencesAsync() => throw new NotSupportedException();

    public static DatasetVersion Version(int number, string manifestSha, IReadOnlyList<NamedArtifact> files) => new(
        number, manifestSha, files, "byte", [],
        new DatasetLineage(new string('5', 64), "byte", new Dictionary<string, string> { ["block_size"] = "16" }, ["/corpus/a.txt"]),
        256, 16, 1234, 56, [], FakeDatasets.Created);
}

/// <summary>An upload that checks the hash and size as the real one does.</summary>
internal sealed class FakeUpload(FakeDatasets datasets) : IArtifactUploadGrain
{
    private readonly MemoryStream _data = new();

    public Task WriteAsync(long offset, byte[] data)
    {
        _data.Position = offset;
        _data.Write(data);
        return Task.CompletedTask;
    }

    public Task<ArtifactInfo> CompleteAsync(string sha256, long size)
    {
        byte[] bytes = _data.ToArray();
        if (bytes.Length != size || Convert.ToHexStringLower(SHA256.HashData(bytes)) != sha256)
        {
            throw new ArtifactException($"upload of artifact {sha256} does not match");
        }
        datasets.Artifacts[sha256] = bytes;
        return Task.FromResult(new ArtifactInfo(sha256, size, ["store"], 1, FakeDatasets.Created));
    }

    public Task AbortAsync() => Task.CompletedTask;
}
