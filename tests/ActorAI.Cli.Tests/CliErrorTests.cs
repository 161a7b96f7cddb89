namespace ActorAI.Cli.Tests;

public sealed class CliErrorTests
{
    [Fact]
    public async Task UnreachableClusterGivesOneLineAndExitCode3()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        int code = await CliApp.RunAsync(["cluster", "status", "--gateway", $"127.0.0.1:{TestPorts.Free(1)[0]}", "--timeout", "1"], stdout, stderr);

        Assert.Equal(ExitCodes.ClusterUnavailable, code);
        Assert.Equal("", stdout.ToString());
        string line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("actorai: cannot reach the ActorAI cluster", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cluster", "status", "--gateway", "nonsense")]
    [InlineData("cluster", "status", "--timeout", "0")]
    [InlineData("cluster", "status", "--tls-cert", "/no/such/client.crt", "--tls-key", "/no/such/client.key", "--tls-ca", "/no/such/ca.crt")]
    [InlineData("cluster", "status", "--tls-cert", "/no/such/client.crt")]
    public async Task InvalidConnectionOptionsExitWith2(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        int code = await CliApp.RunAsync(args, stdout, stderr);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.StartsWith("actorai: invalid options:", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PingCountOutOfRangeIsRejectedBeforeConnecting()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        int code = await CliApp.RunAsync(["cluster", "ping", "--count", "0", "--gateway", $"127.0.0.1:{TestPorts.Free(1)[0]}"], stdout, stderr);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Contains("--count", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommandIsAParseError()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        int code = await CliApp.RunAsync(["clustre"], stdout, stderr);

        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("clustre", stderr.ToString(), StringComparison.Ordinal);
    }
}
