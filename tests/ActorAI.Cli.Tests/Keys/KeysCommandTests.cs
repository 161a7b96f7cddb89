using System.Text.Json;
using ActorAI.Abstractions.Security;
using ActorAI.Cli.Tests.Training;

namespace ActorAI.Cli.Tests.Keys;

/// <summary><c>actorai keys ...</c> against a fake cluster.</summary>
public sealed class KeysCommandTests
{
    private static string[] Lines(string text) => TrainCommandTests.Lines(text);

    [Fact]
    public async Task CreatePrintsTheKeyOnceWithAWarning()
    {
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await RunAsync(cluster, "keys", "create", "ci", "--role", "infer", "--role", "train", "--model", "fortune", "--model", "poems");

        Assert.Equal(ExitCodes.Ok, code);
        FakeApiKey key = Assert.Single(cluster.ApiKeys.Keys.Values);
        Assert.Equal(["create"], key.Calls);
        Assert.Equal("ci", key.Info!.Name);
        Assert.Equal(["infer", "train"], key.Info.Roles);
        Assert.Equal(["fortune", "poems"], key.Info.Models!);
        string printed = Assert.Single(Lines(stdout));
        Assert.True(ApiKeyFormat.TryParseId(printed, out string? id));
        Assert.Equal(key.Info.Id, id);
        Assert.Contains("only time the key is shown", stderr, StringComparison.Ordinal);
        Assert.Contains("models fortune,poems", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMetricsKeyCanBeCreated()
    {
        var cluster = new FakeCluster();

        (int code, _, _) = await RunAsync(cluster, "keys", "create", "scraper", "--role", "metrics");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal([ApiKeyRoles.Metrics], Assert.Single(cluster.ApiKeys.Keys.Values).Info!.Roles);
    }

    [Fact]
    public async Task CreateWithoutModelsAllowsEveryModel()
    {
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await RunAsync(cluster, "keys", "create", "ops", "--role", "admin", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Null(Assert.Single(cluster.ApiKeys.Keys.Values).Info!.Models);
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.StartsWith("aai-", json.RootElement.GetProperty("key").GetString(), StringComparison.Ordinal);
        Assert.Equal("ops", json.RootElement.GetProperty("info").GetProperty("name").GetString());
        Assert.Equal("", stderr);
    }

    [Theory]
    [InlineData("--role must list at least one of admin, train, infer, metrics", "create", "ci")]
    [InlineData("--role may only contain admin, train, infer, metrics (was 'root')", "create", "ci", "--role", "root")]
    [InlineData("--model entries must be deployment names", "create", "ci", "--role", "infer", "--model", "bad name")]
    [InlineData("NAME must be 1 to 64 characters", "create", " ", "--role", "infer")]
    [InlineData("ID must be 12 lowercase hex characters (was 'nope')", "revoke", "nope")]
    public async Task BadArgumentsExitWith2BeforeConnecting(string problem, params string[] args)
    {
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await RunAsync(cluster, ["keys", .. args]);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(Lines(stderr));
        Assert.StartsWith($"actorai keys {args[0]}: ", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.Equal(0, cluster.Connections);
    }

    [Fact]
    public async Task ListPrintsATableWithoutSecrets()
    {
        var cluster = new FakeCluster();
        cluster.ApiKeys.Add(new ApiKeyInfo("0123456789ab", "app", ["infer"], ["fortune"], FakeApiKeys.Created, null));
        cluster.ApiKeys.Add(new ApiKeyInfo("ba9876543210", "old", ["admin", "train"], null, FakeApiKeys.Created, FakeApiKeys.Created.AddHours(2)));

        (int code, string stdout, _) = await RunAsync(cluster, "keys", "list");

        Assert.Equal(ExitCodes.Ok, code);
        string app = Assert.Single(Lines(stdout), l => l.Contains("0123456789ab", StringComparison.Ordinal));
        Assert.Contains("app", app, StringComparison.Ordinal);
        Assert.Contains("infer", app, StringComparison.Ordinal);
        Assert.Contains("fortune", app, StringComparison.Ordinal);
        Assert.Contains("2026-03-01 12:00:00", app, StringComparison.Ordinal);
        string old = Assert.Single(Lines(stdout), l => l.Contains("ba9876543210", StringComparison.Ordinal));
        Assert.Contains("admin,train", old, StringComparison.Ordinal);
        Assert.Contains("all", old, StringComparison.Ordinal);
        Assert.Contains("2026-03-01 14:00:00", old, StringComparison.Ordinal);
        Assert.Contains("2 keys: 1 active, 1 revoked", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("aai-", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsJson()
    {
        var cluster = new FakeCluster();
        cluster.ApiKeys.Add(new ApiKeyInfo("0123456789ab", "app", ["infer"], null, FakeApiKeys.Created, null));

        (int code, string stdout, _) = await RunAsync(cluster, "keys", "list", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement key = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("0123456789ab", key.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, key.GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task RevokeRevokesAndSaysWhen()
    {
        var cluster = new FakeCluster();
        FakeApiKey key = cluster.ApiKeys.Add(new ApiKeyInfo("0123456789ab", "app", ["infer"], null, FakeApiKeys.Created, null));

        (int code, string stdout, _) = await RunAsync(cluster, "keys", "revoke", "0123456789ab");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(["revoke"], key.Calls);
        Assert.Equal("0123456789ab (app): revoked at 2026-03-02 12:00:00.", Assert.Single(Lines(stdout)));
    }

    [Fact]
    public async Task RevokingAnUnknownKeyIsOneLineAndExitCode2()
    {
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await RunAsync(cluster, "keys", "revoke", "0123456789ab");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("", stdout);
        Assert.Equal("actorai: no API key '0123456789ab' (`actorai keys list` shows them all).", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task HelpListsTheSubcommands()
    {
        (int code, string stdout, _) = await RunAsync(new FakeCluster(), "keys", "--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (string synopsis in (string[])["actorai keys create NAME --role ROLE", "actorai keys list [--json]", "actorai keys revoke ID"])
        {
            Assert.Contains(synopsis, stdout, StringComparison.Ordinal);
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(FakeCluster cluster, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = await CliApp.RunAsync(args, stdout, stderr, cluster.Environment());
        return (code, stdout.ToString(), stderr.ToString());
    }
}
