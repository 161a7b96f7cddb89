using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;
using ActorAI.Data.Datasets;
using ActorAI.Grains.Datasets;
using ActorAI.Grains.Storage;
using ActorAI.Grains.Tests.Training;

namespace ActorAI.Grains.Tests.Datasets;

/// <summary>Materializing a dataset version from a local artifact store.</summary>
public sealed class DatasetCacheTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "actorai-grain-tests", "cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task ConcurrentCallersShareOneCompleteDirectoryThatLoadsAsTheOriginal()
    {
        var store = new FileArtifactStore(Path.Combine(_root, "store"));
        DatasetVersion version = await StoreAsync(store, TrainingDataset.Directory);
        var cache = new DatasetCache(store, Path.Combine(_root, "materialized"));

        string[] directories = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => cache.MaterializeDatasetAsync(version))));

        string directory = Assert.Single(directories.Distinct());
        Assert.Equal(Path.Combine(_root, "materialized", "datasets", version.ManifestSha256), directory);
        Assert.Equal(version.Files.Select(f => f.Name).Order(), Directory.EnumerateFiles(directory).Select(Path.GetFileName).Order()!);
        Assert.Empty(Directory.EnumerateDirectories(Path.GetDirectoryName(directory)!, "*.tmp"));
        DatasetManifest original = DatasetManifest.Load(TrainingDataset.Directory);
        DatasetManifest materialized = DatasetManifest.Load(directory);
        Assert.Equal(original.Train.Shards.Select(s => s.Sha256), materialized.Train.Shards.Select(s => s.Sha256));
        using (TokenDataset dataset = TokenDataset.Open(materialized, DatasetSplit.Train))
        {
            Assert.Equal(original.Train.Blocks, dataset.BlockCount);
        }
        // The store losing its copy (garbage collection) does not take the materialized file with it.
        store.Delete(version.Files[0].Sha256);
        Assert.True(File.Exists(Path.Combine(directory, version.Files[0].Name)));
    }

    [Fact]
    public async Task AMissingArtifactFailsTheBuildAndLeavesNoDirectory()
    {
        var store = new FileArtifactStore(Path.Combine(_root, "store"));
        var cache = new DatasetCache(store, Path.Combine(_root, "materialized"));
        NamedArtifact[] files = [new("vocab.json", new string('e', 64), 10)];

        await Assert.ThrowsAsync<ArtifactException>(() => cache.MaterializeTokenizerAsync(files));

        Assert.Empty(Directory.Exists(Path.Combine(_root, "materialized", "tokenizers"))
            ? Directory.EnumerateFileSystemEntries(Path.Combine(_root, "materialized", "tokenizers"))
            : []);
    }

    private static async Task<DatasetVersion> StoreAsync(FileArtifactStore store, string directory)
    {
        DatasetManifest manifest = DatasetManifest.Load(directory);
        var files = new List<NamedArtifact>();
        foreach (string name in manifest.Train.Shards.Concat(manifest.Validation.Shards).Select(s => s.File).Prepend(DatasetManifest.FileName))
        {
            string temporary = store.NewTemporaryPath(".tmp");
            File.Copy(Path.Combine(directory, name), temporary);
            long size = new FileInfo(temporary).Length;
            files.Add(new NamedArtifact(name, await store.ImportAsync(temporary), size));
        }
        var lineage = new DatasetLineage(new string('0', 64), manifest.Tokenizer, new Dictionary<string, string>(), []);
        return new DatasetVersion(1, files[0].Sha256, files, manifest.Tokenizer, [], lineage, manifest.VocabularySize, manifest.BlockSize,
            manifest.Train.Tokens, manifest.Validation.Tokens, [], DateTimeOffset.UnixEpoch);
    }
}
