using System.CommandLine;
using System.Text;
using System.Text.Json;
using ActorAI.Abstractions.Datasets;
using ActorAI.Abstractions.Training;
using ActorAI.Cli.Tests.Training;
using ActorAI.Cli.Training;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;

namespace ActorAI.Cli.Tests.Datasets;

/// <summary><c>actorai data push|list|show</c>, <c>data prepare --push</c> and <c>train --data NAME[@N]</c> against a fake cluster.</summary>
public sealed class DataCommandTests
{
    [Fact]
    public async Task PushUploadsTheManifestAndEveryShardThenRegistersAVersion()
    {
        using var temp = new TempDirectory();
        DatasetManifest manifest = await PrepareAsync(temp);
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await cluster.RunAsync("data", "push", manifest.Directory, "--name", "corpus");
        (int againCode, string again, _) = await cluster.RunAsync("data", "push", manifest.Directory, "--name", "corpus");

        Assert.True(code == ExitCodes.Ok, stderr);
        DatasetVersion version = Assert.Single(cluster.Datasets.Dataset("corpus").Versions);
        string[] expected = [DatasetManifest.FileName, .. manifest.Train.Shards.Concat(manifest.Validation.Shards).Select(s => s.File)];
        Assert.Equal(expected, version.Files.Select(f => f.Name));
        Assert.All(version.Files, f => Assert.Equal(File.ReadAllBytes(Path.Combine(manifest.Directory, f.Name)), cluster.Datasets.Artifacts[f.Sha256]));
        Assert.StartsWith("Pushed corpus@1: ", stdout, StringComparison.Ordinal);
        Assert.Contains("`actorai train --data corpus@1`", stdout, StringComparison.Ordinal);
        // Progress in a log: one plain line per file, no cursor movement or colors.
        Assert.Equal(expected.Length + 1, TrainCommandTests.Lines(stderr).Length);
        Assert.Contains($"pushing corpus: {DatasetManifest.FileName} · ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stdout + stderr);
        Assert.Equal(ExitCodes.Ok, againCode);
        Assert.StartsWith("Unchanged: corpus@1 already has this manifest", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrepareWithPushPreparesThenPushes()
    {
        using var temp = new TempDirectory();
        temp.Write("corpus/a.txt", Text(30));
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await cluster.RunAsync(
            "data", "prepare", temp.Combine("corpus"), "--output", temp.Combine("prepared"), "--mode", "lines", "--block-size", "16", "--push", "lines");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("Pushed lines@1: ", stdout, StringComparison.Ordinal);
        Assert.Single(cluster.Datasets.Dataset("lines").Versions);
    }

    [Theory]
    [InlineData("actorai data push: --name: a dataset name is 1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit (was 'two words')",
        "data", "push", "{dir}", "--name", "two words")]
    [InlineData("actorai data prepare: --push: a dataset name is 1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit (was '-x')",
        "data", "prepare", "{dir}", "--output", "{dir}/out", "--push=-x")]
    [InlineData("actorai data show: NAME: a dataset name is 1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit (was 'a/b')",
        "data", "show", "a/b")]
    public async Task BadNamesAreRefusedNamingTheOptionBeforeConnecting(string message, params string[] args)
    {
        using var temp = new TempDirectory();
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync([.. args.Select(a => a.Replace("{dir}", temp.Path, StringComparison.Ordinal))]);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal(message, Assert.Single(TrainCommandTests.Lines(stderr)));
        Assert.Equal(0, cluster.Connections);
    }

    [Fact]
    public async Task PushingADirectoryWithoutAManifestIsRefused()
    {
        using var temp = new TempDirectory();
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync("data", "push", temp.Path, "--name", "corpus");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.StartsWith($"actorai data push: DIRECTORY: {temp.Path} is not a prepared dataset", stderr, StringComparison.Ordinal);
        Assert.Equal(0, cluster.Connections);
    }

    [Fact]
    public async Task ListAndShowPrintTablesOrJson()
    {
        var cluster = new FakeCluster();
        FakeDataset dataset = cluster.Datasets.Dataset("fortunes");
        NamedArtifact[] files = [new(DatasetNames.ManifestFile, new string('a', 64), 2048), new("train-00000.safetensors", new string('b', 64), 1 << 20)];
        dataset.Versions.Add(FakeDataset.Version(1, new string('a', 64), files));
        dataset.Versions.Add(FakeDataset.Version(2, new string('c', 64), files));
        await cluster.Datasets.AddAsync("fortunes");

        (int listCode, string list, _) = await cluster.RunAsync("data", "list");
        (int jsonCode, string json, _) = await cluster.RunAsync("data", "list", "--json");
        (int showCode, string show, _) = await cluster.RunAsync("data", "show", "fortunes");
        (int showJsonCode, string showJson, _) = await cluster.RunAsync("data", "show", "fortunes", "--json");
        (int missingCode, _, string missing) = await cluster.RunAsync("data", "show", "poems");

        Assert.Equal([ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Ok], new[] { listCode, jsonCode, showCode, showJsonCode });
        string row = Assert.Single(list.Split('\n'), l => l.Contains("fortunes", StringComparison.Ordinal));
        Assert.Contains("│        2 │ v2 (2026-03-02 09:30:00) │ byte", row, StringComparison.Ordinal);
        Assert.Contains("1,234", row, StringComparison.Ordinal);
        Assert.Contains("1 dataset", list, StringComparison.Ordinal);
        using (JsonDocument document = JsonDocument.Parse(json))
        {
            JsonElement first = Assert.Single(document.RootElement.EnumerateArray());
            Assert.Equal("fortunes", first.GetProperty("name").GetString());
            Assert.Equal(2, first.GetProperty("versions").GetArrayLength());
        }
        Assert.Contains("Dataset fortunes: 2 versions", show, StringComparison.Ordinal);
        Assert.Contains("aaaaaaaaaaaa…", show, StringComparison.Ordinal);
        Assert.Contains("block_size=16", show, StringComparison.Ordinal);
        Assert.Contains("`actorai train --data fortunes@2`", show, StringComparison.Ordinal);
        using (JsonDocument document = JsonDocument.Parse(showJson))
        {
            Assert.Equal(new string('c', 64), document.RootElement.GetProperty("versions")[1].GetProperty("manifestSha256").GetString());
        }
        Assert.Equal(ExitCodes.InvalidArguments, missingCode);
        Assert.Equal("actorai: dataset 'poems' does not exist (`actorai data list` shows them all)", Assert.Single(TrainCommandTests.Lines(missing)));
    }

    [Theory]
    [InlineData("corpus", "corpus")]
    [InlineData("corpus@3", "corpus@3")]
    [InlineData("corpus@latest", "corpus@latest")]
    public void TrainDataThatIsADatasetReferenceIsKeptAsGiven(string data, string dataset)
    {
        (TrainArguments arguments, ParseResult parse) = ParseTrain("--data", data);

        TrainingJobSpec spec = arguments.ToSpec(parse);

        Assert.Equal(dataset, spec.Dataset);
        Assert.Empty(arguments.Validate(parse, spec, "job-1"));
    }

    [Theory]
    [InlineData("two words", "--data: 'two words' is not a dataset reference")]
    [InlineData("corpus@0", "--data: 'corpus@0' is not a dataset reference")]
    [InlineData("corpus@v2", "--data: 'corpus@v2' is not a dataset reference")]
    public void TrainDataThatIsNeitherAPathNorAReferenceIsRefused(string data, string problem)
    {
        (TrainArguments arguments, ParseResult parse) = ParseTrain("--data", data);

        string reported = Assert.Single(arguments.Validate(parse, arguments.ToSpec(parse), "job-1"));

        Assert.StartsWith(problem, reported, StringComparison.Ordinal);
        Assert.EndsWith($"a directory needs a '/' (./{data})", reported, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainDataThatIsAlsoADirectoryHereIsRefusedAsAmbiguous()
    {
        string name = $"actorai-ambiguous-{Guid.NewGuid():N}";
        Directory.CreateDirectory(name);
        try
        {
            (TrainArguments arguments, ParseResult parse) = ParseTrain("--data", name);

            string reported = Assert.Single(arguments.Validate(parse, arguments.ToSpec(parse), "job-1"));

            Assert.Equal($"--data: '{name}' is read as a dataset name, but '{name}' also exists here: write ./{name} for the directory, or {name}@latest for the dataset", reported);
            (TrainArguments explicitly, ParseResult path) = ParseTrain("--data", $"./{name}");
            Assert.Equal(Path.GetFullPath(name), explicitly.ToSpec(path).Dataset);
            Assert.Empty(explicitly.Validate(path, explicitly.ToSpec(path), "job-1"));
        }
        finally
        {
            Directory.Delete(name);
        }
    }

    [Fact]
    public async Task LocalTrainingNeedsADirectoryNotADatasetName()
    {
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync("train", "--local", "--data", "corpus@1");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.StartsWith("actorai train: --data: --local trains on this machine and needs a prepared directory; 'corpus@1' is none here", stderr, StringComparison.Ordinal);
    }

    private static (TrainArguments Arguments, ParseResult Parse) ParseTrain(params string[] args)
    {
        var arguments = new TrainArguments();
        var command = new Command("train");
        arguments.AddTo(command);
        return (arguments, command.Parse(args));
    }

    private static async Task<DatasetManifest> PrepareAsync(TempDirectory temp)
    {
        temp.Write("corpus/a.txt", Text(60));
        return await new DataPreparer().RunAsync(new DataPreparationOptions
        {
            InputPaths = [temp.Combine("corpus")],
            OutputDirectory = temp.Combine("prepared"),
            DocumentMode = TextDocumentMode.Lines,
            BlockSize = 16,
            ValidationFraction = 0.2,
            TokensPerShard = 512,
            DegreeOfParallelism = 1,
        }, null, CancellationToken.None);
    }

    private static string Text(int lines)
    {
        var text = new StringBuilder();
        for (int i = 0; i < lines; i++)
        {
            text.Append("Line ").Append(i).Append(": the quick brown fox jumps over the lazy dog ").Append(i * 7).Append(" times.\n");
        }
        return text.ToString();
    }
}
