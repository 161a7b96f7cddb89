using System.Security.Cryptography;
using ActorAI.Abstractions.Datasets;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Data.Datasets;
using ActorAI.Grains.Tests.Serving;
using ActorAI.Grains.Tests.Training;

namespace ActorAI.Grains.Tests.Datasets;

[Collection(ClusterCollection.Name)]
public sealed class DatasetTests(ClusterFixture fixture)
{
    private ActorAIClient Client => ActorAIClient.Create(fixture.Cluster.Client);

    private static TrainingJobSpec Spec(string dataset, int steps = 6) => new(
        Model: "tiny", Dataset: dataset, Steps: steps, GlobalBatchRows: 4, Workers: 2, ParameterShards: 2,
        LearningRate: 3e-3, MinLearningRate: 3e-4, WarmupSteps: 2, Seed: 7, IntraOpThreads: 1);

    [Fact]
    public async Task APushedDatasetIsListedWithItsVersionFilesAndLineageAndAPushOfTheSameDataIsTheSameVersion()
    {
        string name = NewName("words");
        string directory = TrainingDataset.Directory;
        var reports = new List<DatasetPushProgress>();

        DatasetRegistration first = await Client.PushDatasetAsync(directory, name, new SynchronousProgress(reports.Add));
        DatasetRegistration again = await Client.PushDatasetAsync(directory, name);
        DatasetInfo listed = Assert.Single(await Client.ListDatasetsAsync(), d => d.Name == name);

        DatasetManifest manifest = DatasetManifest.Load(directory);
        DatasetVersion version = Assert.Single(listed.Versions);
        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(1, again.Version.Version);
        Assert.Equal(Sha256(Path.Combine(directory, DatasetManifest.FileName)), version.ManifestSha256);
        Assert.Equal(
            [DatasetManifest.FileName, .. manifest.Train.Shards.Concat(manifest.Validation.Shards).Select(s => s.File)],
            version.Files.Select(f => f.Name));
        Assert.All(version.Files, f => Assert.Equal(Sha256(Path.Combine(directory, f.Name)), f.Sha256));
        Assert.Equal("byte", version.Tokenizer);
        Assert.Empty(version.TokenizerFiles);
        Assert.Equal(256, version.VocabularySize);
        Assert.Equal(manifest.Train.Tokens, version.TrainTokens);
        Assert.Equal("32", version.Lineage.Options["block_size"]);
        Assert.Equal("separator", version.Lineage.Options["document_mode"].ToLowerInvariant());
        Assert.Matches("^[0-9a-f]{64}$", version.Lineage.SourceSha256);
        Assert.EndsWith("corpus.txt", Assert.Single(version.Lineage.Inputs), StringComparison.Ordinal);
        Assert.Equal(version.Bytes, reports[^1].BytesSent);
        Assert.Equal(version.Files.Count, reports[^1].FilesDone);
        Assert.Equal(version.Files.Select(f => f.Sha256).Order(), (await Dataset(name).GetArtifactReferencesAsync()).Order());
    }

    [Fact]
    public async Task TrainingOnANamedDatasetIsPinnedAndMatchesTrainingOnItsDirectory()
    {
        string name = NewName("equivalent");
        await Client.PushDatasetAsync(TrainingDataset.Directory, name);

        TrainingJobInfo byName = await RunAsync(Spec(name));
        TrainingJobInfo byPath = await RunAsync(Spec(TrainingDataset.Directory));

        Assert.Equal(TrainingJobStatus.Succeeded, byName.Status);
        Assert.Equal(TrainingJobStatus.Succeeded, byPath.Status);
        Assert.Equal($"{name}@1", byName.Spec.Dataset);
        IReadOnlyList<TrainingMetrics> named = await Job(byName.JobId).GetMetricsAsync(0, 100);
        IReadOnlyList<TrainingMetrics> local = await Job(byPath.JobId).GetMetricsAsync(0, 100);
        Assert.Equal(6, named.Count);
        for (int i = 0; i < named.Count; i++)
        {
            double relative = Math.Abs(named[i].Loss - local[i].Loss) / local[i].Loss;
            Assert.True(relative < 1e-4, $"step {i + 1}: named {named[i].Loss} vs path {local[i].Loss}");
        }
        // Submitting the same spec again (the unpinned name) is the same job.
        Assert.Equal($"{name}@1", (await Job(byName.JobId).SubmitAsync(Spec(name))).Spec.Dataset);
    }

    [Fact]
    public async Task NewDataMakesANewVersionWhileOlderReferencesStillResolve()
    {
        string name = NewName("versions");
        DatasetManifest a = await PreparedDatasets.ByteAsync(seed: 1);
        DatasetManifest b = await PreparedDatasets.ByteAsync(seed: 2);

        DatasetRegistration v1 = await Client.PushDatasetAsync(a.Directory, name);
        DatasetRegistration v2 = await Client.PushDatasetAsync(b.Directory, name);
        ITrainingJobGrain job = Job($"pinned-{Guid.NewGuid():N}");
        TrainingJobInfo submitted = await job.SubmitAsync(Spec(name, steps: 200));
        await job.CancelAsync();

        Assert.Equal((1, true), (v1.Version.Version, v1.Created));
        Assert.Equal((2, true), (v2.Version.Version, v2.Created));
        Assert.Equal(v1.Version.ManifestSha256, (await Client.ResolveDatasetAsync($"{name}@1")).ManifestSha256);
        Assert.Equal(v2.Version.ManifestSha256, (await Client.ResolveDatasetAsync(name)).ManifestSha256);
        Assert.Equal(v2.Version.ManifestSha256, (await Client.ResolveDatasetAsync($"{name}@latest")).ManifestSha256);
        Assert.NotEqual(v1.Version.ManifestSha256, v2.Version.ManifestSha256);
        Assert.Equal($"{name}@2", submitted.Spec.Dataset);
        Assert.Equal(2, (await Client.GetDatasetAsync(name))!.Versions.Count);
    }

    [Fact]
    public async Task ABpeModelTrainedOnANamedDatasetReferencesItAndServesWithItsTokenizerFromArtifacts()
    {
        string name = NewName("bpe");
        DatasetManifest prepared = await PreparedDatasets.BpeAsync(seed: 3);
        DatasetRegistration pushed = await Client.PushDatasetAsync(prepared.Directory, name);
        Directory.Delete(Path.Combine(prepared.Directory, "tokenizer"), recursive: true); // from now on only the artifacts have it

        TrainingJobInfo job = await RunAsync(Spec(name, steps: 3) with { Workers = 1, ParameterShards = 1 });
        string model = NewName("bpe-model");
        ModelVersion version = await Client.RegisterModelFromJobAsync(model, job.JobId);
        string deployment = NewName("bpe-serve");
        await ServingModels.DeployAsync(Client, deployment, new DeploymentSpec { Model = model });
        GenerationResult result = await Client.GenerateAsync(deployment, ServingModels.Request("actor grain", 5));
        await Client.DeleteDeploymentAsync(deployment);

        Assert.Equal(TrainingJobStatus.Succeeded, job.Status);
        Assert.Equal(["vocab.json", "merges.txt"], pushed.Version.TokenizerFiles.Select(f => f.Name));
        Assert.Equal(["tokenizer/vocab.json", "tokenizer/merges.txt"], pushed.Version.Files.Select(f => f.Name).Where(n => n.StartsWith("tokenizer/", StringComparison.Ordinal)));
        Assert.Equal(pushed.Version.ManifestSha256, version.Lineage.DatasetManifestSha256);
        Assert.Equal($"{name}@1", version.Lineage.Dataset);
        Assert.StartsWith("bpe:", version.Lineage.Tokenizer, StringComparison.Ordinal);
        Assert.Equal(pushed.Version.TokenizerFiles, version.Lineage.TokenizerArtifacts);
        Assert.Equal(
            new[] { version.Artifact }.Concat(pushed.Version.TokenizerFiles.Select(f => f.Sha256)).Order(),
            (await fixture.Cluster.GrainFactory.GetGrain<IModelGrain>(model).GetArtifactReferencesAsync()).Order());
        Assert.Equal(5, result.CompletionTokens);
        Assert.True(result.PromptTokens is > 0 and < 11, $"prompt of {result.PromptTokens} tokens: not BPE-encoded"); // 11 bytes
    }

    [Fact]
    public async Task BadNamesUnknownDatasetsAndUnknownVersionsAreRefusedNamingTheField()
    {
        string name = NewName("errors");
        await Client.PushDatasetAsync(TrainingDataset.Directory, name);

        var badName = await Assert.ThrowsAsync<ArgumentException>(() => Client.PushDatasetAsync(TrainingDataset.Directory, "no spaces allowed"));
        var badKey = await Assert.ThrowsAsync<DatasetException>(() => Dataset("-dash-first").RegisterAsync([], []));
        var unknown = await Assert.ThrowsAsync<DatasetException>(() => Client.ResolveDatasetAsync(NewName("missing")));
        var unknownVersion = await Assert.ThrowsAsync<DatasetException>(() => Client.ResolveDatasetAsync($"{name}@9"));
        var jobUnknown = await Assert.ThrowsAsync<TrainingJobException>(() => Job($"bad-{Guid.NewGuid():N}").SubmitAsync(Spec(NewName("missing"))));
        var jobVersion = await Assert.ThrowsAsync<TrainingJobException>(() => Job($"bad-{Guid.NewGuid():N}").SubmitAsync(Spec($"{name}@9")));
        var jobMalformed = await Assert.ThrowsAsync<TrainingJobException>(() => Job($"bad-{Guid.NewGuid():N}").SubmitAsync(Spec("two words")));

        Assert.Equal("name", badName.ParamName);
        Assert.Contains("1-64", badName.Message, StringComparison.Ordinal);
        Assert.StartsWith("name:", badKey.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", unknown.Message, StringComparison.Ordinal);
        Assert.StartsWith("version:", unknownVersion.Message, StringComparison.Ordinal);
        Assert.Contains("no version 9", unknownVersion.Message, StringComparison.Ordinal);
        Assert.StartsWith("Dataset", jobUnknown.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", jobUnknown.Message, StringComparison.Ordinal);
        Assert.Contains("no version 9", jobVersion.Message, StringComparison.Ordinal);
        Assert.Contains("not a dataset reference", jobMalformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AVersionWhoseFilesDoNotMatchItsManifestIsRefused()
    {
        string name = NewName("mismatch");
        DatasetManifest manifest = DatasetManifest.Load(TrainingDataset.Directory);
        NamedArtifact manifestFile = await UploadAsync(Path.Combine(manifest.Directory, DatasetManifest.FileName), DatasetManifest.FileName);
        DatasetShard[] shards = [.. manifest.Train.Shards.Concat(manifest.Validation.Shards)];
        NamedArtifact[] uploaded = await Task.WhenAll(shards.Select(s => UploadAsync(manifest.GetShardPath(s), s.File)));
        // The first shard's name on the second shard's bytes.
        NamedArtifact swapped = uploaded[1] with { Name = shards[0].File };

        var missing = await Assert.ThrowsAsync<DatasetException>(() => Dataset(name).RegisterAsync([manifestFile, .. uploaded.Skip(1)], []));
        var extra = await Assert.ThrowsAsync<DatasetException>(() => Dataset(name).RegisterAsync([manifestFile, .. uploaded, uploaded[0] with { Name = "notes.txt" }], []));
        var wrongBytes = shards.Length < 2 ? null
            : await Assert.ThrowsAsync<DatasetException>(() => Dataset(name).RegisterAsync([manifestFile, swapped, .. uploaded.Skip(1)], []));
        var notStored = await Assert.ThrowsAsync<DatasetException>(() => Dataset(name).RegisterAsync([manifestFile with { Sha256 = new string('a', 64) }], []));

        Assert.StartsWith("files:", missing.Message, StringComparison.Ordinal);
        Assert.Contains($"missing: {shards[0].File}", missing.Message, StringComparison.Ordinal);
        Assert.Contains("not part of the dataset: notes.txt", extra.Message, StringComparison.Ordinal);
        if (wrongBytes is not null)
        {
            Assert.Contains("the manifest gives its SHA-256", wrongBytes.Message, StringComparison.Ordinal);
        }
        Assert.Contains("not in the artifact store", notStored.Message, StringComparison.Ordinal);
        Assert.Null(await Client.GetDatasetAsync(name));
    }

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private IDatasetGrain Dataset(string name) => fixture.Cluster.GrainFactory.GetGrain<IDatasetGrain>(name);

    private ITrainingJobGrain Job(string id) => fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>(id);

    private async Task<TrainingJobInfo> RunAsync(TrainingJobSpec spec)
    {
        ITrainingJobGrain job = Job($"dataset-job-{Guid.NewGuid():N}");
        await job.SubmitAsync(spec);
        return await TrainingJobWaits.WaitForEndAsync(job);
    }

    private async Task<NamedArtifact> UploadAsync(string path, string name)
    {
        Abstractions.Artifacts.ArtifactInfo info = await Client.UploadArtifactAsync(path);
        return new NamedArtifact(name, info.Sha256, info.Size);
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private sealed class SynchronousProgress(Action<DatasetPushProgress> report) : IProgress<DatasetPushProgress>
    {
        public void Report(DatasetPushProgress value) => report(value);
    }
}
