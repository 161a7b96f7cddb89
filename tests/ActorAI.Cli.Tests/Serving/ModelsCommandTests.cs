using ActorAI.Abstractions.Registry;
using ActorAI.Cli.Tests.Training;

namespace ActorAI.Cli.Tests.Serving;

/// <summary><c>actorai models ...</c> against a fake registry.</summary>
public sealed class ModelsCommandTests
{
    private const string Hash1 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Hash2 = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    private static string[] Lines(string text) => TrainCommandTests.Lines(text);

    private static FakeCluster WithFortune()
    {
        var cluster = new FakeCluster();
        cluster.Serving.AddModel("fortune",
            [ServingSamples.Version(1, Hash1, "train-1"), ServingSamples.Version(2, Hash2, "train-2", "best", "small")],
            new Dictionary<string, int> { ["production"] = 1, ["staging"] = 2 },
            [new AliasChange("production", 2, ServingSamples.Submitted.AddHours(3)), new AliasChange("production", 1, ServingSamples.Submitted.AddHours(4))]);
        return cluster;
    }

    [Fact]
    public async Task ListPrintsOneRowPerModel()
    {
        FakeCluster cluster = WithFortune();
        cluster.Serving.AddModel("poems", [ServingSamples.Version(1, Hash1)]);

        (int code, string stdout, _) = await cluster.RunAsync("models", "list");

        Assert.Equal(ExitCodes.Ok, code);
        string fortune = Assert.Single(Lines(stdout), l => l.Contains("fortune", StringComparison.Ordinal));
        Assert.Contains("v2 (2026-11-23 12:00:00)", fortune, StringComparison.Ordinal);
        Assert.Contains("production → v1, staging → v2", fortune, StringComparison.Ordinal);
        string poems = Assert.Single(Lines(stdout), l => l.Contains("poems", StringComparison.Ordinal));
        Assert.Contains(" - ", poems, StringComparison.Ordinal);
        Assert.Contains("2 models", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListWithoutModelsSaysHowToRegisterOne()
    {
        (int code, string stdout, _) = await new FakeCluster().RunAsync("models", "list");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("No models. Register one with `actorai models register NAME --job JOB_ID`.", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowPrintsVersionsWithLineageAliasesAndHistory()
    {
        (int code, string stdout, _) = await WithFortune().RunAsync("models", "show", "fortune");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Model fortune: 2 versions", stdout, StringComparison.Ordinal);
        string v2 = Assert.Single(Lines(stdout), l => l.Contains("fedcba987654…", StringComparison.Ordinal));
        foreach (string part in (string[])["v2", "2026-11-23 12:00:00", "best, small", "train-2", "byte-bpe-4096", "2.5000", "staging"])
        {
            Assert.Contains(part, v2, StringComparison.Ordinal);
        }
        Assert.Contains("Aliases: production → v1, staging → v2", stdout, StringComparison.Ordinal);
        Assert.Contains("2026-11-23 13:00:00  production → v2", stdout, StringComparison.Ordinal);
        Assert.Contains("2026-11-23 14:00:00  production → v1", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowOfAnUnknownModelIsExitCode2()
    {
        (int code, _, string stderr) = await new FakeCluster().RunAsync("models", "show", "nope");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("actorai: model 'nope' is not registered (`actorai models list` shows them all)", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task RegisterFromAJobPrintsTheNewVersionWithItsTags()
    {
        FakeCluster cluster = WithFortune();

        (int code, string stdout, string stderr) = await cluster.RunAsync("models", "register", "fortune", "--job", "train-3", "--tag", "nightly", "--tag", "v3-candidate");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal("register(train-3)", Assert.Single(cluster.Serving.Model("fortune").Calls));
        Assert.Equal(["nightly", "v3-candidate"], cluster.Serving.Model("fortune").LastTags);
        Assert.Equal("Registered fortune v3 (artifact aaaaaaaaaaaa…, tags nightly, v3-candidate) from job train-3.", Assert.Single(Lines(stdout)));
    }

    [Fact]
    public async Task RegisterACheckpointSendsAnAbsolutePath()
    {
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await cluster.RunAsync("models", "register", "poems", "--checkpoint", "out/model.safetensors");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal($"import({Path.GetFullPath("out/model.safetensors")})", Assert.Single(cluster.Serving.Model("poems").Calls));
        Assert.StartsWith("Registered poems v1 (artifact ", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("models", "register", "fortune")]
    [InlineData("models", "register", "fortune", "--job", "train-1", "--checkpoint", "x.safetensors")]
    public async Task RegisterNeedsExactlyOneSource(params string[] args)
    {
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync(args);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("actorai models register: give exactly one of --job JOB_ID or --checkpoint PATH.", Assert.Single(Lines(stderr)));
        Assert.Equal(0, cluster.Connections);
    }

    [Fact]
    public async Task ARegistryRefusalIsExitCode2WithItsMessage()
    {
        (int code, _, string stderr) = await WithFortune().RunAsync("models", "alias", "fortune", "production", "9");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("actorai: model 'fortune' has no version 9", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task AliasPointsAtAVersion()
    {
        FakeCluster cluster = WithFortune();

        (int code, string stdout, string stderr) = await cluster.RunAsync("models", "alias", "fortune", "production", "2");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal("alias(production,2)", Assert.Single(cluster.Serving.Model("fortune").Calls));
        Assert.Equal("fortune@production → v2 (aliases: production → v2, staging → v2).", Assert.Single(Lines(stdout)));
    }

    [Fact]
    public async Task AliasRemove()
    {
        FakeCluster cluster = WithFortune();

        (int code, string stdout, string stderr) = await cluster.RunAsync("models", "alias", "fortune", "staging", "--remove");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal("unalias(staging)", Assert.Single(cluster.Serving.Model("fortune").Calls));
        Assert.Equal("fortune: removed alias staging (aliases: production → v1).", Assert.Single(Lines(stdout)));
    }

    [Theory]
    [InlineData("give a VERSION or --remove.", "models", "alias", "fortune", "production")]
    [InlineData("--remove takes no VERSION.", "models", "alias", "fortune", "production", "2", "--remove")]
    [InlineData("VERSION must be at least 1 (was 0).", "models", "alias", "fortune", "production", "0")]
    [InlineData("ALIAS: an alias is 1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit, not all digits and not 'latest' (was 'a b').", "models", "alias", "fortune", "a b", "1")]
    [InlineData("ALIAS: an alias is 1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit, not all digits and not 'latest' (was 'latest').", "models", "alias", "fortune", "latest", "1")]
    public async Task AliasArgumentsAreCheckedBeforeConnecting(string problem, params string[] args)
    {
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync(args);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal($"actorai models alias: {problem}", Assert.Single(Lines(stderr)));
        Assert.Equal(0, cluster.Connections);
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("a/b")]
    public async Task ARegisteredModelNameFollowsTheNameRuleBeforeConnecting(string name)
    {
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync("models", "register", name, "--job", "train-1");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal($"actorai models register: NAME: a model name is 1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit (was '{name}').", Assert.Single(Lines(stderr)));
        Assert.Equal(0, cluster.Connections);
    }
}
