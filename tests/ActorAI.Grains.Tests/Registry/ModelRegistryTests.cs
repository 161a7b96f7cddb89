using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Training;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Grains.Tests.Training;
using ActorAI.Testing;
using Orleans.Core.Internal;

namespace ActorAI.Grains.Tests.Registry;

[Collection(ClusterCollection.Name)]
public sealed class ModelRegistryTests(ClusterFixture fixture)
{
    private static readonly ModelLineage NoLineage = new(null, null, null, null, new Dictionary<string, string>(), new Dictionary<string, double>());

    [Fact]
    public async Task AFinishedJobIsRegisteredWithItsLineage()
    {
        string jobId = await FinishedJobAsync();
        IModelGrain model = Model();

        ModelVersion version = await model.RegisterFromJobAsync(jobId, ["baseline"]);

        Assert.Equal(1, version.Version);
        Assert.Equal(jobId, version.Lineage.TrainingJob);
        Assert.Equal("byte", version.Lineage.Tokenizer);
        Assert.NotNull(version.Lineage.DatasetManifestSha256);
        Assert.Equal("2", version.Lineage.HyperParameters["workers"]);
        Assert.True(version.Lineage.Metrics["loss"] > 0);
        // The job's last step is always evaluated on the held-out split; the version records it.
        Assert.True(version.Lineage.Metrics["validation_loss"] > 0);
        Assert.True(version.Lineage.Metrics["validation_bits_per_byte"] > 0);
        Assert.Equal(["baseline"], version.Tags);
        Assert.Equal(version.Artifact, (await model.ResolveAsync("latest")).Artifact);
        Assert.Equal(version.Artifact, (await model.ResolveAsync("1")).Artifact);
    }

    [Fact]
    public async Task AliasesMoveBetweenVersionsWithHistory()
    {
        IModelGrain model = Model();
        string first = CheckpointFile(seed: 1), second = CheckpointFile(seed: 2);
        await model.ImportCheckpointAsync(first, NoLineage, []);
        await model.SetAliasAsync("production", 1);
        ModelVersion v2 = await model.ImportCheckpointAsync(second, NoLineage, ["candidate"]);
        await model.SetAliasAsync("staging", 2);

        ModelInfo info = await model.SetAliasAsync("production", 2);
        await model.RemoveAliasAsync("staging");
        ModelInfo after = await model.GetAsync();

        Assert.Equal(2, info.Aliases["production"]);
        Assert.Equal(v2.Artifact, (await model.ResolveAsync("production")).Artifact);
        Assert.Equal(["production:1", "staging:2", "production:2", "staging:-"],
            after.AliasHistory.Select(c => $"{c.Alias}:{c.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}"));
        Assert.False(after.Aliases.ContainsKey("staging"));
        Assert.NotEqual(after.Versions[0].Artifact, after.Versions[1].Artifact);
    }

    [Fact]
    public async Task AModelReadsItsStateBackAfterADeactivation()
    {
        IModelGrain model = Model();
        await model.ImportCheckpointAsync(CheckpointFile(seed: 3), NoLineage, ["first", "tagged"]);
        await model.SetAliasAsync("production", 1);
        ModelInfo before = await model.GetAsync();

        await model.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        ModelInfo after = await model.GetAsync();

        Assert.Equal(before.Versions.Select(v => (v.Version, v.Artifact, string.Join(",", v.Tags))),
            after.Versions.Select(v => (v.Version, v.Artifact, string.Join(",", v.Tags))));
        Assert.Equal(1, after.Aliases["production"]);
        Assert.Equal(before.AliasHistory.Count, after.AliasHistory.Count);
    }

    [Fact]
    public async Task BadRequestsAreRefusedNamingWhatIsWrong()
    {
        IModelGrain model = Model();
        string notACheckpoint = Path.Combine(Path.GetTempPath(), $"actorai-not-a-checkpoint-{Guid.NewGuid():N}.safetensors");
        await File.WriteAllTextAsync(notACheckpoint, "hello");

        var noJob = await Assert.ThrowsAsync<ModelRegistryException>(() => model.RegisterFromJobAsync($"missing-{Guid.NewGuid():N}", []));
        var badFile = await Assert.ThrowsAsync<ModelRegistryException>(() => model.ImportCheckpointAsync(notACheckpoint, NoLineage, []));
        var empty = await Assert.ThrowsAsync<ModelRegistryException>(() => model.ResolveAsync("production"));
        await model.ImportCheckpointAsync(CheckpointFile(seed: 3), NoLineage, []);
        var unknownAlias = await Assert.ThrowsAsync<ModelRegistryException>(() => model.ResolveAsync("production"));
        var unknownVersion = await Assert.ThrowsAsync<ModelRegistryException>(() => model.SetAliasAsync("production", 7));
        var badAlias = await Assert.ThrowsAsync<ModelRegistryException>(() => model.SetAliasAsync("42", 1));

        Assert.Contains("does not exist", noJob.Message, StringComparison.Ordinal);
        Assert.Contains("import roots", badFile.Message, StringComparison.Ordinal);
        Assert.Contains("no versions", empty.Message, StringComparison.Ordinal);
        Assert.Contains("production", unknownAlias.Message, StringComparison.Ordinal);
        Assert.Contains("version 7", unknownVersion.Message, StringComparison.Ordinal);
        Assert.Contains("'42'", badAlias.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportsOutsideTheRootsAreRefusedExactlyLikeAMissingOrInvalidFile()
    {
        IModelGrain model = Model();
        // A real checkpoint outside the import root.
        string elsewhere = OutsideDirectory.NotUnder(ClusterFixture.ImportRoot);
        string outside = Path.Combine(elsewhere, $"actorai-outside-{Guid.NewGuid():N}.safetensors");
        File.Move(CheckpointFile(seed: 4), outside);
        string link = Path.Combine(ClusterFixture.ImportRoot, $"actorai-link-{Guid.NewGuid():N}.safetensors");
        File.CreateSymbolicLink(link, outside);
        string dirLink = Path.Combine(ClusterFixture.ImportRoot, $"actorai-dirlink-{Guid.NewGuid():N}");
        Directory.CreateSymbolicLink(dirLink, elsewhere);
        string invalid = Path.Combine(ClusterFixture.ImportRoot, $"actorai-invalid-{Guid.NewGuid():N}.safetensors");
        await File.WriteAllBytesAsync(invalid, [.. BitConverter.GetBytes(12L), .. "{\"x\":1}    "u8.ToArray()]);
        try
        {
            string[] refused =
            [
                outside,                                                     // outside the roots
                link,                                                        // a link inside pointing outside
                Path.Combine(dirLink, Path.GetFileName(outside)),            // through a linked directory
                Path.Combine(ClusterFixture.ImportRoot, "..", outside.TrimStart('/')), // climbing out of the root
                Path.Combine(ClusterFixture.ImportRoot, $"missing-{Guid.NewGuid():N}.safetensors"),
                invalid,                                                     // inside, but not a checkpoint
                ClusterFixture.ImportRoot,                                   // a directory
                "relative.safetensors",
            ];
            var messages = new List<string>();
            foreach (string path in refused)
            {
                messages.Add((await Assert.ThrowsAsync<ModelRegistryException>(() => model.ImportCheckpointAsync(path, NoLineage, []))).Message);
            }
            ModelVersion accepted = await model.ImportCheckpointAsync(CheckpointFile(seed: 5), NoLineage, []);

            Assert.Single(messages.Distinct());
            Assert.Contains("Artifacts:ImportRoots", messages[0], StringComparison.Ordinal);
            Assert.DoesNotContain(Path.GetFileName(invalid), messages[0], StringComparison.Ordinal);
            Assert.Equal(1, accepted.Version);
        }
        finally
        {
            File.Delete(link);
            Directory.Delete(dirLink);
            File.Delete(invalid);
            File.Delete(outside);
        }
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("latest")]
    [InlineData("007")]
    [InlineData("-lead")]
    [InlineData("prod/eu")]
    public async Task AnAliasBreakingTheNameRuleIsRefusedByTheGrainAndTheClient(string alias)
    {
        IModelGrain model = Model();
        await model.ImportCheckpointAsync(CheckpointFile(seed: 6), NoLineage, []);
        ActorAI.Client.ActorAIClient client = ActorAI.Client.ActorAIClient.Create(fixture.Cluster.Client);

        var byGrain = await Assert.ThrowsAsync<ModelRegistryException>(() => model.SetAliasAsync(alias, 1));
        var byClient = await Assert.ThrowsAsync<ModelRegistryException>(() => client.SetModelAliasAsync(model.GetPrimaryKeyString(), alias, 1));

        Assert.StartsWith("alias: an alias is 1-64 ASCII letters", byGrain.Message, StringComparison.Ordinal);
        Assert.Contains($"(was '{alias}')", byGrain.Message, StringComparison.Ordinal);
        Assert.Equal(byGrain.Message, byClient.Message);
        Assert.Empty((await model.GetAsync()).Aliases);
    }

    [Fact]
    public async Task AModelNameBreakingTheNameRuleCannotBeRegistered()
    {
        IModelGrain model = fixture.Cluster.GrainFactory.GetGrain<IModelGrain>($"bad name {Guid.NewGuid():N}");
        ActorAI.Client.ActorAIClient client = ActorAI.Client.ActorAIClient.Create(fixture.Cluster.Client);

        var byGrain = await Assert.ThrowsAsync<ModelRegistryException>(() => model.ImportCheckpointAsync(CheckpointFile(seed: 7), NoLineage, []));
        var byClient = await Assert.ThrowsAsync<ModelRegistryException>(() => client.ImportModelAsync("bad name", CheckpointFile(seed: 7)));

        Assert.StartsWith("name: a model name is", byGrain.Message, StringComparison.Ordinal);
        Assert.Equal("name: a model name is 1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit (was 'bad name')", byClient.Message);
        Assert.Empty((await model.GetAsync()).Versions);
    }

    [Theory]
    [InlineData("production", true)]
    [InlineData("v2.1-rc_1", true)]
    [InlineData("2024", false)]
    [InlineData("latest", false)]
    [InlineData("a b", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("ünïcode", false)]
    public void AliasRuleIsTheModelNameRuleMinusVersionWords(string? alias, bool valid)
    {
        Assert.Equal(valid, ModelNames.IsValidAlias(alias));
        Assert.Equal(valid, ModelNames.AliasProblem(alias) is null);
        // Every valid alias is a valid model name: the same character rule.
        Assert.True(!valid || ModelNames.IsValid(alias));
    }

    [Fact]
    public void TheLongestNameIs64Characters()
    {
        Assert.True(ModelNames.IsValid(new string('a', 64)));
        Assert.False(ModelNames.IsValid(new string('a', 65)));
        Assert.False(ModelNames.IsValidAlias(new string('a', 65)));
    }

    private IModelGrain Model() => fixture.Cluster.GrainFactory.GetGrain<IModelGrain>($"model-{Guid.NewGuid():N}");

    private static string CheckpointFile(int seed)
    {
        TorchSharp.torch.manual_seed(seed);
        using var model = new Gpt(new GptConfig(Layers: 1, Heads: 1, Embedding: 8, ContextLength: 8, VocabularySize: 256));
        string path = Path.Combine(Path.GetTempPath(), $"actorai-registry-{Guid.NewGuid():N}.safetensors");
        GptCheckpoint.Save(model, path);
        return path;
    }

    private async Task<string> FinishedJobAsync()
    {
        string id = $"registry-{Guid.NewGuid():N}";
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>(id);
        await job.SubmitAsync(new TrainingJobSpec("tiny", TrainingDataset.Directory, Steps: 3, GlobalBatchRows: 4, Workers: 2, ParameterShards: 2, WarmupSteps: 1));
        TrainingJobInfo info = await TrainingJobWaits.WaitForEndAsync(job);
        Assert.Equal(TrainingJobStatus.Succeeded, info.Status);
        return id;
    }
}
