using ActorAI.IntegrationTests.Infrastructure;

namespace ActorAI.IntegrationTests;

/// <summary>The built silo host refuses bad configuration with one clear line and a non-zero exit code.</summary>
public sealed class SiloStartupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorai-startup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("""{ "Silo": { "SiloPort": "eleven" } }""", "Silo:SiloPort")]
    [InlineData("""{ "Silo": { "SiloPort": 11111, } """, "not valid JSON: line 1")]
    [InlineData("""{ "Silo": { "Clustering": "Postgres" }, "Auth": { "BootstrapAdminKey": "0123456789abcdef" } }""", "Postgres:ConnectionString")]
    [InlineData("""{ "Silo": { "Clustering": "Postgres", "AdvertisedAddress": "10.20.30.40" }, "Postgres": { "ConnectionString": "Host=127.0.0.1" }, "Auth": { "BootstrapAdminKey": "0123456789abcdef" } }""", "Tls:Enabled must be true")]
    public async Task CorruptConfigFailsFastNamingTheKey(string json, string expected)
    {
        string profile = Path.Combine(_dir, "dev.json");
        await File.WriteAllTextAsync(profile, json);

        ProcessResult result = await ProcessRunner.RunAsync("dotnet", [TestPaths.SiloHost, "--config", profile]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("actorai-silo: configuration error:", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
