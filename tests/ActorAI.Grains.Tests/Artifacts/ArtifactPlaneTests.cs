using System.Security.Cryptography;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Client;
using Orleans.TestingHost;

namespace ActorAI.Grains.Tests.Artifacts;

/// <summary>The cluster artifact plane over silos with separate directories: replication, fetch, repair, errors.</summary>
[Collection(ArtifactClusterCollection.Name)]
public sealed class ArtifactPlaneTests(ArtifactClusterFixture fixture)
{
    private readonly ActorAIClient _client = ActorAIClient.Create(fixture.Cluster.Client);

    private IReadOnlyList<SiloHandle> Silos => fixture.Cluster.GetActiveSilos().ToList();

    [Fact]
    public async Task AnUploadIsAcknowledgedOnTwoStoresAndReadableFromTheThird()
    {
        // Larger than one chunk, so the transfer is really chunked.
        byte[] data = RandomNumberGenerator.GetBytes(ArtifactLimits.MaxChunkBytes + 12345);
        string path = Path.Combine(Path.GetTempPath(), $"upload-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, data);
        ArtifactInfo info = await _client.UploadArtifactAsync(path);
        File.Delete(path);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), info.Sha256);
        Assert.Equal(data.Length, info.Size);
        Assert.Equal(2, info.LiveCopies);
        SiloHandle[] holders = [.. Silos.Where(s => ArtifactClusterFixture.Holds(s, info.Sha256))];
        Assert.Equal(2, holders.Length);
        Assert.Equal(holders.Select(ArtifactClusterFixture.StoreOf).Order(), info.Locations.Order());

        SiloHandle third = Silos.Single(s => !holders.Contains(s));
        byte[] read = await fixture.Cluster.Client.GetGrain<IArtifactProbeGrain>(ArtifactClusterFixture.StoreOf(third)).ReadAsync(info.Sha256);
        Assert.Equal(data, read);
        Assert.True(ArtifactClusterFixture.Holds(third, info.Sha256), "the fetched copy is cached on the reading silo");
        Assert.Equal(3, (await _client.GetArtifactAsync(info.Sha256))!.LiveCopies);
    }

    [Fact]
    public async Task AMissingArtifactReachesTheCallerAsArtifactExceptionFromAnotherSilo()
    {
        string unknown = Convert.ToHexStringLower(SHA256.HashData(Guid.NewGuid().ToByteArray()));
        SiloHandle remote = Silos[^1];
        var error = await Assert.ThrowsAsync<ArtifactException>(() =>
            fixture.Cluster.Client.GetGrain<IArtifactProbeGrain>(ArtifactClusterFixture.StoreOf(remote)).ReadAsync(unknown));
        Assert.Contains(unknown, error.Message, StringComparison.Ordinal);
        Assert.Contains("not in the cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUploadWhoseBytesDoNotMatchItsHashIsRefused()
    {
        IArtifactUploadGrain upload = fixture.Cluster.Client.GetGrain<IArtifactUploadGrain>(Guid.NewGuid());
        await upload.WriteAsync(0, [1, 2, 3]);
        string wrong = Convert.ToHexStringLower(SHA256.HashData(new byte[] { 4, 5, 6 }));
        var error = await Assert.ThrowsAsync<ArtifactException>(() => upload.CompleteAsync(wrong, 3));
        Assert.Contains("hash to", error.Message, StringComparison.Ordinal);
        Assert.Null(await _client.GetArtifactAsync(wrong));
    }

    [Fact]
    public async Task GarbageCollectionDeletesOnlyUnreferencedArtifactsOlderThanTheGracePeriod()
    {
        SiloHandle writer = Silos[0];
        string sha = await fixture.Cluster.Client.GetGrain<IArtifactProbeGrain>(ArtifactClusterFixture.StoreOf(writer))
            .WriteAsync(RandomNumberGenerator.GetBytes(1000));
        Assert.Equal(2, Silos.Count(s => ArtifactClusterFixture.Holds(s, sha)));

        ArtifactGcReport kept = await _client.CollectArtifactGarbageAsync(); // default grace: one hour
        Assert.DoesNotContain(sha, kept.Deleted);
        ArtifactGcReport dry = await _client.CollectArtifactGarbageAsync(TimeSpan.Zero, dryRun: true);
        Assert.Contains(sha, dry.Deleted);
        Assert.Equal(2, Silos.Count(s => ArtifactClusterFixture.Holds(s, sha)));

        await Serving.ServingModels.ImportAsync(_client, "gc-kept", 3);
        string weights = (await _client.Cluster.GetGrain<Abstractions.Registry.IModelGrain>("gc-kept").ResolveAsync("1")).Artifact;

        Data.Datasets.DatasetManifest prepared = await Datasets.PreparedDatasets.ByteAsync(17);
        Abstractions.Datasets.DatasetRegistration dataset = await _client.PushDatasetAsync(prepared.Directory, "gc-kept");

        ArtifactGcReport collected = await _client.CollectArtifactGarbageAsync(TimeSpan.Zero);
        Assert.Contains(sha, collected.Deleted);
        Assert.DoesNotContain(weights, collected.Deleted);
        Assert.NotNull(await _client.GetArtifactAsync(weights));
        Assert.All(dataset.Version.Files, f => Assert.DoesNotContain(f.Sha256, collected.Deleted));
        // At least the acknowledged copies: a silo that read a file since (the dataset grain's, wherever it was placed)
        // keeps a cached third one.
        Assert.All(dataset.Version.Files, f => Assert.InRange(Silos.Count(s => ArtifactClusterFixture.Holds(s, f.Sha256)), 2, 3));
        Assert.Equal(0, Silos.Count(s => ArtifactClusterFixture.Holds(s, sha)));
        Assert.Null(await _client.GetArtifactAsync(sha));
    }

    [Fact]
    public async Task GarbageCollectionKeepsOnlyTheRetainedCheckpointsOfAJob()
    {
        var spec = new Abstractions.Training.TrainingJobSpec(Model: "tiny", Dataset: Training.TrainingDataset.Directory, Steps: 8, GlobalBatchRows: 6,
            Workers: 2, ParameterShards: 2, CheckpointInterval: 2, WarmupSteps: 1, Seed: 3, IntraOpThreads: 1, CheckpointsToKeep: 2);
        Abstractions.Training.ITrainingJobGrain job = _client.Cluster.GetGrain<Abstractions.Training.ITrainingJobGrain>($"gc-{Guid.NewGuid():N}");
        await job.SubmitAsync(spec);
        var checkpoints = new HashSet<string>(StringComparer.Ordinal);
        Abstractions.Training.TrainingJobInfo info;
        do
        {
            info = await job.GetAsync(); // every checkpoint the job passes through, to see the old ones go
            checkpoints.UnionWith(info.LastCheckpoint?.ShardArtifacts ?? []);
            await Task.Delay(20);
        }
        while (info.Status == Abstractions.Training.TrainingJobStatus.Running);
        Assert.Equal(Abstractions.Training.TrainingJobStatus.Succeeded, info.Status);
        IReadOnlyList<string> kept = await job.GetArtifactReferencesAsync();
        Assert.Equal(2 * 2 + 1, kept.Count); // two checkpoints of two shards, and the final weights
        Assert.Contains(info.ResultArtifact!, kept);

        ArtifactGcReport collected = await _client.CollectArtifactGarbageAsync(TimeSpan.Zero);

        Assert.All(kept, sha => Assert.DoesNotContain(sha, collected.Deleted));
        Assert.Contains(collected.Deleted, checkpoints.Contains); // older checkpoints went
        foreach (string sha in kept)
        {
            Assert.True((await _client.GetArtifactAsync(sha))!.LiveCopies >= 2, $"retained artifact {sha} lost copies");
        }
    }
}
