using ActorAI.Abstractions.Serving;
using ActorAI.Cli.Tests.Training;

namespace ActorAI.Cli.Tests.Serving;

/// <summary><c>actorai deploy</c> and <c>actorai deployments ...</c> against fake deployment grains.</summary>
public sealed class DeployCommandTests
{
    private static readonly DeploymentSpec Spec = new() { Model = "fortune", Version = "production", MinReplicas = 2, MaxReplicas = 2 };

    private static string[] Lines(string text) => TrainCommandTests.Lines(text);

    [Fact]
    public async Task DeployAppliesTheSpecWaitsShowingProgressAndPrintsTheReplicas()
    {
        var cluster = new FakeCluster();
        cluster.Serving.AddDeployment("web",
            ServingSamples.Deployment("web", Spec, DeploymentStatus.Starting, [ServingSamples.Replica("web", 0, ReplicaState.Loading), ServingSamples.Replica("web", 1, ReplicaState.Loading)]),
            ServingSamples.Deployment("web", Spec, DeploymentStatus.Starting, [ServingSamples.Replica("web", 0, ReplicaState.Ready), ServingSamples.Replica("web", 1, ReplicaState.Loading)]),
            ServingSamples.Deployment("web", Spec, DeploymentStatus.Starting, [ServingSamples.Replica("web", 0, ReplicaState.Ready), ServingSamples.Replica("web", 1, ReplicaState.Loading)]),
            ServingSamples.Deployment("web", Spec, DeploymentStatus.Ready, [ServingSamples.Replica("web", 0, ReplicaState.Ready), ServingSamples.Replica("web", 1, ReplicaState.Ready, silo: "silo-b:11111")]));

        (int code, string stdout, string stderr) = await cluster.RunAsync("deploy", "web", "--model", "fortune@production", "--replicas", "2");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal(Spec, cluster.Serving.Deployment("web").Applied);
        Assert.Equal(
            ["web: starting · v3 · 0/2 replicas ready (2 loading)", "web: starting · v3 · 1/2 replicas ready (1 loading)", "web: ready · v3 · 2/2 replicas ready"],
            Lines(stderr));
        Assert.Contains("Deployment web is ready: fortune@production → v3, 2/2 ready (fixed 2).", stdout, StringComparison.Ordinal);
        string replica = Assert.Single(Lines(stdout), l => l.Contains("web/1", StringComparison.Ordinal));
        foreach (string part in (string[])["v3", "ready", "silo-b:11111"])
        {
            Assert.Contains(part, replica, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NoWaitReturnsAfterApplying()
    {
        var cluster = new FakeCluster();

        (int code, string stdout, string stderr) = await cluster.RunAsync("deploy", "web", "--model", "fortune", "--min-replicas", "0", "--max-replicas", "3", "--no-wait");

        Assert.True(code == ExitCodes.Ok, stderr);
        DeploymentSpec applied = cluster.Serving.Deployment("web").Applied!;
        Assert.Equal(("fortune", "latest", 0, 3), (applied.Model, applied.Version, applied.MinReplicas, applied.MaxReplicas));
        Assert.Equal(0, cluster.Serving.Deployment("web").GetCalls);
        Assert.StartsWith("Deployment web applied: fortune@latest, starting;", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadOptionsAreOneLineEachNamingTheOptionBeforeConnecting()
    {
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync(
            "deploy", "web!", "--model", "fortune", "--min-replicas", "3", "--max-replicas", "1", "--max-batch", "1000", "--canary", "2");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        string[] lines = Lines(stderr);
        Assert.All(lines, l => Assert.StartsWith("actorai deploy: ", l, StringComparison.Ordinal));
        Assert.Equal(["NAME", "--canary-percent"], lines.Select(l => l["actorai deploy: ".Length..l.IndexOf(':', "actorai deploy: ".Length)]));
        Assert.Equal(0, cluster.Connections);

        (code, _, stderr) = await cluster.RunAsync("deploy", "web", "--model", "fortune", "--min-replicas", "3", "--max-replicas", "1", "--max-batch", "1000");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal(
            ["actorai deploy: --max-replicas: must be >= min_replicas (1 < 3)", "actorai deploy: --max-batch: must be 1..256 (was 1000)"],
            Lines(stderr));
        Assert.Equal(0, cluster.Connections);
    }

    [Fact]
    public async Task AValueThatIsNotANumberIsAParseErrorWithExitCode2()
    {
        (int code, _, string stderr) = await new FakeCluster().RunAsync("deploy", "web", "--model", "fortune", "--replicas", "two");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Contains("--replicas", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheClustersRefusalIsOneLinePerErrorWithExitCode2()
    {
        var cluster = new FakeCluster();
        cluster.Serving.Deployment("web").Refusal = new DeploymentException(["model 'fortune' has no alias 'prod'", "canary: version 9 does not exist"]);

        (int code, _, string stderr) = await cluster.RunAsync("deploy", "web", "--model", "fortune@prod");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal(["actorai: model 'fortune' has no alias 'prod'", "actorai: canary: version 9 does not exist"], Lines(stderr));
    }

    [Fact]
    public async Task AFailedDeploymentIsExitCode1WithItsLastError()
    {
        var cluster = new FakeCluster();
        cluster.Serving.AddDeployment("web", ServingSamples.Deployment("web", Spec, DeploymentStatus.Failed, [], error: "artifact hash mismatch"));

        (int code, _, string stderr) = await cluster.RunAsync("deploy", "web", "--model", "fortune@production", "--replicas", "2");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("actorai deploy: deployment web failed: artifact hash mismatch", Lines(stderr)[^1]);
    }

    [Fact]
    public async Task WaitingStopsAtTheTimeout()
    {
        var cluster = new FakeCluster();
        var clock = new ManualTimeProvider(ServingSamples.Submitted) { AutoAdvance = TimeSpan.FromSeconds(1) };
        cluster.Serving.AddDeployment("web", ServingSamples.Deployment("web", Spec, DeploymentStatus.Starting, [ServingSamples.Replica("web", 0, ReplicaState.Loading)]));
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        int code = await CliApp.RunAsync(["deploy", "web", "--model", "fortune@production", "--replicas", "2", "--timeout", "30"], stdout, stderr, cluster.Environment(clock));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("actorai deploy: web was not ready within 30 s (starting); it keeps starting: `actorai deployments show web`.", Lines(stderr.ToString())[^1]);
        Assert.InRange(cluster.Serving.Deployment("web").GetCalls, 15, 31);
    }

    [Fact]
    public async Task DeploymentsListPrintsOneRowPerDeployment()
    {
        var cluster = new FakeCluster();
        cluster.Serving.AddDeployment("web", ServingSamples.Deployment("web",
            Spec with { MinReplicas = 1, MaxReplicas = 4, Canary = new CanarySpec("staging", 10) }, DeploymentStatus.Ready,
            [ServingSamples.Replica("web", 0, ReplicaState.Ready), ServingSamples.Replica("web", 1, ReplicaState.Loading)]));
        cluster.Serving.AddDeployment("idle", ServingSamples.Deployment("idle", Spec with { MinReplicas = 0 }, DeploymentStatus.Idle, []));

        (int code, string stdout, _) = await cluster.RunAsync("deployments", "list");

        Assert.Equal(ExitCodes.Ok, code);
        string web = Assert.Single(Lines(stdout), l => l.Contains("web", StringComparison.Ordinal));
        foreach (string part in (string[])["fortune@production", "ready", "v3 + canary v4 (10%)", "1/2 ready (min 1, max 4)", "2026-11-23 10:00:00"])
        {
            Assert.Contains(part, web, StringComparison.Ordinal);
        }
        Assert.Contains("idle", Assert.Single(Lines(stdout), l => l.Contains("0/0 ready", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("2 deployments", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EngineSettingsGoIntoTheSpecAndShowUp()
    {
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync("deploy", "web", "--model", "fortune", "--no-wait",
            "--max-batched-tokens", "1024", "--block-size", "32", "--kv-cache-tokens", "65536", "--prefix-caching", "false", "--stages", "3");
        DeploymentSpec applied = cluster.Serving.Deployment("web").Applied!;
        cluster.Serving.AddDeployment("shown", ServingSamples.Deployment("shown", applied, DeploymentStatus.Ready, [ServingSamples.Replica("shown", 0, ReplicaState.Ready)]));
        (int shown, string stdout, _) = await cluster.RunAsync("deployments", "show", "shown");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal((1024, 32, (int?)65536, false), (applied.MaxBatchedTokens, applied.BlockSize, applied.KvCacheTokens, applied.PrefixCaching));
        Assert.Equal(ExitCodes.Ok, shown);
        Assert.Contains("1024 tokens per step", stdout, StringComparison.Ordinal);
        Assert.Contains("65536 tokens in blocks of 32, prefix caching off", stdout, StringComparison.Ordinal);
        Assert.Equal(3, applied.Stages);
        Assert.Contains("3 (each replica's model split into 3 model shards on different silos)", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-batched-tokens", "8", "--max-batched-tokens: must be max_batch..65536 (was 8, max_batch 32)")]
    [InlineData("--block-size", "0", "--block-size: must be 1..256 (was 0)")]
    [InlineData("--kv-cache-tokens", "8", "--kv-cache-tokens: must be block_size..16777216 (was 8)")]
    [InlineData("--stages", "17", "--stages: must be 1..16 (was 17)")]
    public async Task ABadEngineSettingIsRefusedNamingItsOptionAndLimit(string option, string value, string expected)
    {
        var cluster = new FakeCluster();

        (int code, _, string stderr) = await cluster.RunAsync("deploy", "web", "--model", "fortune", option, value);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal($"actorai deploy: {expected}", Assert.Single(Lines(stderr)));
        Assert.Null(cluster.Serving.Deployment("web").Applied);
    }

    [Fact]
    public async Task DeploymentsShowPrintsTheSpecAndTheReplicas()
    {
        var cluster = new FakeCluster();
        cluster.Serving.AddDeployment("web", ServingSamples.Deployment("web", Spec, DeploymentStatus.Ready,
            [ServingSamples.Replica("web", 0, ReplicaState.Ready), ServingSamples.Replica("web", 1, ReplicaState.Draining, silo: null)], error: "replica web/2 failed to load"));

        (int code, string stdout, _) = await cluster.RunAsync("deployments", "show", "web");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("up to 32 sequences per replica, queue 128, 512 tokens per step", stdout, StringComparison.Ordinal);
        Assert.Contains("max batch × context in blocks of 16, prefix caching on", stdout, StringComparison.Ordinal);
        Assert.Contains("replica web/2 failed to load", stdout, StringComparison.Ordinal);
        string draining = Assert.Single(Lines(stdout), l => l.Contains("web/1", StringComparison.Ordinal));
        Assert.Contains("draining", draining, StringComparison.Ordinal);
        Assert.Contains(" - ", draining, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("show")]
    [InlineData("delete")]
    public async Task AnUnknownDeploymentIsExitCode2WithAHint(string command)
    {
        (int code, _, string stderr) = await new FakeCluster().RunAsync("deployments", command, "nope");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("actorai: deployment 'nope' does not exist (`actorai deployments list` shows them all).", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task DeleteRemovesTheDeployment()
    {
        var cluster = new FakeCluster();
        cluster.Serving.AddDeployment("web", ServingSamples.Deployment("web", Spec, DeploymentStatus.Ready, []));

        (int code, string stdout, string stderr) = await cluster.RunAsync("deployments", "delete", "web");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.True(cluster.Serving.Deployment("web").Deleted);
        Assert.Equal("Deleted deployment web.", Assert.Single(Lines(stdout)));
    }
}
