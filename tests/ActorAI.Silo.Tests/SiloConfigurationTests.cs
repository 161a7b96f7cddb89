using ActorAI.Silo.Hosting;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Configuration;

namespace ActorAI.Silo.Tests;

public sealed class SiloConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorai-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EmbeddedDevProfileIsValidAndLocal()
    {
        SiloSettings settings = Load([]);

        Assert.Equal(ProviderKind.Memory, settings.Silo.Clustering);
        Assert.Equal(ProviderKind.Memory, settings.Silo.Storage);
        Assert.Equal("actorai-dev", settings.Silo.ClusterId);
        Assert.Equal("127.0.0.1", settings.Http.Address);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("postgres")]
    [InlineData("cluster")]
    [InlineData("gpu")]
    public void ShippedProfilesLoad(string profile)
    {
        // Non-dev profiles carry no admin key on purpose: it comes from the environment or arguments.
        SiloSettings settings = Load(["--config", profile, "--Auth:BootstrapAdminKey=0123456789abcdef0123"]);

        Assert.False(string.IsNullOrEmpty(settings.Silo.ClusterId));
    }

    [Fact]
    public void AMemoryBudgetIsBoundAndAdvertised()
    {
        SiloSettings settings = Load(["--config", Write("budget.json", MergeWithDev("""{ "Silo": { "MemoryBudget": 4294967296 } }"""))]);

        Assert.Equal(4L << 30, settings.Silo.MemoryBudget);
        Assert.Equal(4L << 30, SiloResourcesProbe.Read([], settings.Silo.MemoryBudget).MemoryBudgetBytes);
        Assert.Null(Load([]).Silo.MemoryBudget);
    }

    [Fact]
    public void CommandLineSwitchesOverrideTheProfile()
    {
        SiloSettings settings = Load(["--silo-port", "12000", "--gateway-port", "31000", "--http-port", "9001", "--name", "s1"]);

        Assert.Equal(12000, settings.Silo.SiloPort);
        Assert.Equal(31000, settings.Silo.GatewayPort);
        Assert.Equal(9001, settings.Http.Port);
        Assert.Equal("s1", settings.Silo.EffectiveName);
    }

    [Theory]
    [InlineData("""{ "Silo": { "SiloPort": "eleven" } }""", "Silo:SiloPort")]
    [InlineData("""{ "Silo": { "SiloPort": 70000 } }""", "Silo:SiloPort")]
    [InlineData("""{ "Silo": { "SiloPrt": 11111 } }""", "Silo:SiloPrt")]
    [InlineData("""{ "Silo": { "Clustering": "Cassandra" } }""", "Silo:Clustering")]
    [InlineData("""{ "Silo": { "Storage": "Postgres" } }""", "Postgres:ConnectionString")]
    [InlineData("""{ "Silo": { "AdvertisedAddress": "not-an-ip" } }""", "Silo:AdvertisedAddress")]
    [InlineData("""{ "Silo": { "GatewayPort": 11111 } }""", "Silo:GatewayPort")]
    [InlineData("""{ "Silo": { "MemoryBudget": 0 } }""", "Silo:MemoryBudget")]
    [InlineData("""{ "Silo": { "MemoryBudget": -1 } }""", "Silo:MemoryBudget")]
    [InlineData("""{ "Silo": { "MemoryBudget": "lots" } }""", "Silo:MemoryBudget")]
    [InlineData("""{ "Htttp": { "Port": 1 } }""", "Htttp")]
    [InlineData("""{ "Auth": { "BootstrapAdminKey": "short" } }""", "Auth:BootstrapAdminKey")]
    [InlineData("""{ "Auth": { "BootstrapAdminKey": "" } }""", "Auth:BootstrapAdminKey")]
    [InlineData("""{ "Auth": { "KeyCacheSeconds": 301 } }""", "Auth:KeyCacheSeconds")]
    [InlineData("""{ "Auth": { "KeyCacheSeconds": -1 } }""", "Auth:KeyCacheSeconds")]
    [InlineData("""{ "Postgres": { "ConnectionString": "Host=;Port=x" } }""", "Postgres:ConnectionString")]
    [InlineData("""{ "Membership": { "ProbeTimeout": "soon" } }""", "Membership:ProbeTimeout")]
    [InlineData("""{ "Http": { "Address": "0.0.0.0" } }""", "Http:CertificatePath")]
    [InlineData("""{ "Artifacts": { "Replicas": 0 } }""", "Artifacts:Replicas")]
    [InlineData("""{ "Artifacts": { "Replicas": 17 } }""", "Artifacts:Replicas")]
    [InlineData("""{ "Artifacts": { "GarbageGracePeriod": "-00:01:00" } }""", "Artifacts:GarbageGracePeriod")]
    [InlineData("""{ "Artifacts": { "RepairInterval": "00:00:00" } }""", "Artifacts:RepairInterval")]
    [InlineData("""{ "Tls": { "Enabled": true } }""", "Tls:CertificatePath")]
    [InlineData("""{ "Tls": { "Enabled": true, "CertificatePath": "/no/such.crt", "KeyPath": "/no/such.key", "CaPath": "/no/ca.crt" } }""", "Tls:CaPath")]
    [InlineData("""{ "Tls": { "Enabld": true } }""", "Tls:Enabld")]
    [InlineData("""{ "Http": { "CertificatePath": "/no/such.crt" } }""", "Http:KeyPath")]
    [InlineData("""{ "Artifacts": { "ImportRoots": [ "" ] } }""", "Artifacts:ImportRoots")]
    public void InvalidSettingsFailWithTheKeyNamed(string json, string key)
    {
        string path = Write("bad.json", MergeWithDev(json));

        var error = Assert.Throws<SiloConfigurationException>(() => Load(["--config", path]));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresClusteringOnANonLoopbackAddressRequiresTls()
    {
        string path = Write("reachable.json", MergeWithDev("""
            { "Silo": { "Clustering": "Postgres", "AdvertisedAddress": "10.20.30.40" }, "Postgres": { "ConnectionString": "Host=127.0.0.1" } }
            """));

        var error = Assert.Throws<SiloConfigurationException>(() => Load(["--config", path]));

        string line = Assert.Single(error.Message.Split(Environment.NewLine));
        Assert.StartsWith("Tls:Enabled must be true when Silo:Clustering is Postgres", line, StringComparison.Ordinal);
        Assert.Contains("'10.20.30.40'", line, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsCertificatesMustComeFromTheConfiguredCa()
    {
        using var cluster = new TestCertificateAuthority(Path.Combine(_dir, "cluster"));
        using var other = new TestCertificateAuthority(Path.Combine(_dir, "other"), "Other CA");
        (string certificate, string key) = other.Issue("silo");
        (string good, string goodKey) = cluster.Issue("silo");
        string[] common = ["--config", "cluster", "--Auth:BootstrapAdminKey=0123456789abcdef0123", "--advertised-address", "10.20.30.40", "--Tls:Enabled=true"];

        var error = Assert.Throws<SiloConfigurationException>(() =>
            Load([.. common, $"--Tls:CertificatePath={certificate}", $"--Tls:KeyPath={key}", $"--Tls:CaPath={cluster.CaPath}"]));
        SiloSettings settings = Load([.. common, $"--Tls:CertificatePath={good}", $"--Tls:KeyPath={goodKey}", $"--Tls:CaPath={cluster.CaPath}"]);

        Assert.Contains("Tls:CaPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid under the CA", error.Message, StringComparison.Ordinal);
        Assert.True(settings.Tls.Enabled);
    }

    [Fact]
    public void ShippedProfilesCarryNoPostgresPassword()
    {
        // The password comes from the environment (PGPASSWORD or PGPASSFILE, read by Npgsql), never from a committed file.
        foreach (string profile in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "silo-config"), "*.json"))
        {
            string? connectionString = new ConfigurationBuilder().AddJsonFile(profile).Build()["Postgres:ConnectionString"];
            var parsed = new Npgsql.NpgsqlConnectionStringBuilder(connectionString ?? "");

            Assert.True(string.IsNullOrEmpty(parsed.Password), $"{profile} has a password in Postgres:ConnectionString");
        }
    }

    [Fact]
    public void CorruptJsonFailsWithTheProfileAndPosition()
    {
        string path = Write("corrupt.json", """{ "Silo": { "SiloPort": 11111, } """);

        var error = Assert.Throws<SiloConfigurationException>(() => Load(["--config", path]));

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 1, position", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownProfileNamesWhereItLooked()
    {
        var error = Assert.Throws<SiloConfigurationException>(() => Load(["--config", "no-such-profile"]));

        Assert.Contains("no-such-profile", error.Message, StringComparison.Ordinal);
        Assert.Contains("silo-config", error.Message, StringComparison.Ordinal);
    }

    private static SiloSettings Load(string[] args)
    {
        var configuration = new ConfigurationManager();
        configuration.AddSiloSources(args);
        return SiloSettings.Load(configuration);
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    // Start from the real dev profile so each case changes exactly one thing.
    private static string MergeWithDev(string overrideJson)
    {
        var dev = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "silo-config", "dev.json")))!.AsObject();
        var changes = System.Text.Json.Nodes.JsonNode.Parse(overrideJson)!.AsObject();
        foreach ((string section, System.Text.Json.Nodes.JsonNode? values) in changes.ToList())
        {
            if (dev[section] is System.Text.Json.Nodes.JsonObject existing && values is System.Text.Json.Nodes.JsonObject updates)
            {
                foreach ((string key, System.Text.Json.Nodes.JsonNode? value) in updates.ToList())
                {
                    existing[key] = value?.DeepClone();
                }
            }
            else
            {
                dev[section] = values?.DeepClone();
            }
        }
        return dev.ToJsonString();
    }
}
