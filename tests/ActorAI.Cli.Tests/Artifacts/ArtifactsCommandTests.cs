using System.Text.Json;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Cli.Commands;
using ActorAI.Cli.Tests.Training;

namespace ActorAI.Cli.Tests.Artifacts;

/// <summary><c>actorai artifacts list|gc</c> against a fake cluster.</summary>
public sealed class ArtifactsCommandTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    private static FakeCluster WithArtifacts()
    {
        var cluster = new FakeCluster();
        cluster.Artifacts.Artifacts.Add(new ArtifactInfo(new string('a', 64), 3 << 20, ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"], 2, Created));
        cluster.Artifacts.Artifacts.Add(new ArtifactInfo(new string('b', 64), 1000, ["0123456789abcdef0123456789abcdef"], 0, Created));
        return cluster;
    }

    [Fact]
    public async Task ListPrintsEveryArtifactWithItsLiveCopies()
    {
        (int code, string stdout, string stderr) = await WithArtifacts().RunAsync("artifacts", "list");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        Assert.Contains("aaaaaaaaaaaaaaaa…", stdout, StringComparison.Ordinal);
        Assert.Contains("01234567,fedcba98", stdout, StringComparison.Ordinal);
        Assert.Contains("2 artifacts", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListJsonHasTheFullRecords()
    {
        (int code, string stdout, _) = await WithArtifacts().RunAsync("artifacts", "list", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.Equal(2, json.RootElement.GetArrayLength());
        Assert.Equal(new string('a', 64), json.RootElement[0].GetProperty("sha256").GetString());
        Assert.Equal(2, json.RootElement[0].GetProperty("liveCopies").GetInt32());
    }

    [Fact]
    public async Task GcPassesTheGraceAndDryRunAndReportsWhatGoes()
    {
        FakeCluster cluster = WithArtifacts();

        (int code, string stdout, _) = await cluster.RunAsync("artifacts", "gc", "--grace", "90m", "--dry-run");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal([(TimeSpan.FromMinutes(90), true)], cluster.Artifacts.Collections);
        Assert.Contains("would delete 1", stdout, StringComparison.Ordinal);
        Assert.Contains(new string('b', 64), stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GcWithoutGraceUsesTheClustersDefault()
    {
        FakeCluster cluster = WithArtifacts();

        (int code, string stdout, _) = await cluster.RunAsync("artifacts", "gc", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal([(null, false)], cluster.Artifacts.Collections);
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.Equal(1, json.RootElement.GetProperty("deleted").GetArrayLength());
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-5m")]
    [InlineData("10y")]
    public async Task ABadGraceExitsWith2BeforeConnecting(string grace)
    {
        FakeCluster cluster = WithArtifacts();

        (int code, string stdout, string stderr) = await cluster.RunAsync("artifacts", "gc", "--grace", grace);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("", stdout);
        Assert.Contains($"--grace must be a non-negative duration such as 30s, 10m, 1h or 2d (was '{grace}')", stderr, StringComparison.Ordinal);
        Assert.Equal(0, cluster.Connections);
        Assert.Empty(cluster.Artifacts.Collections);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("1.5h", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("00:10:00", 600)]
    public void DurationsParse(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ArtifactsCommands.ParseDuration(text));
}
