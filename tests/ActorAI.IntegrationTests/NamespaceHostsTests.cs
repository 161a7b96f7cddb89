using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ActorAI.Abstractions.Diagnostics;
using ActorAI.Client;
using ActorAI.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ActorAI.IntegrationTests;

/// <summary>
/// Three hosts of scripts/hosts.sh (network namespaces on a bridge, one silo each) form one cluster through the shared
/// PostgreSQL; a client in the root namespace calls through their gateways; one host's silo is SIGKILLed.
/// </summary>
[Collection(NamespaceHostsCollection.Name)]
public sealed class NamespaceHostsTests(NamespaceHosts hosts, ITestOutputHelper output) : IClassFixture<NamespaceHosts>
{
    private static readonly TimeSpan FailoverBudget = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task HostsFormOneClusterAndAGrainOnAKilledHostAnswersFromASurvivor()
    {
        const int Victim = 1;
        output.WriteLine($"scripts/hosts.sh up {NamespaceHosts.Count}: {hosts.StartupTime.TotalSeconds:0.0} s");
        try
        {
            AssertHostsShareNothingButTheNetwork();

            // One cluster: every silo sees three active members, each advertising its own host's address.
            string[] addresses = [.. hosts.Hosts.Select(h => h.Address)];
            Assert.Equal(NamespaceHosts.Count, addresses.Distinct().Count());
            Assert.All(addresses, a => Assert.StartsWith("198.18.", a, StringComparison.Ordinal));
            foreach (NamespaceHost host in hosts.Hosts)
            {
                Assert.StartsWith($"{host.Address}:", host.SiloAddress, StringComparison.Ordinal);
                await ClusterProbes.WaitForAsync(() => ActiveSilosAsync(host.Index), n => n == NamespaceHosts.Count, TimeSpan.FromSeconds(30));
            }
            JsonElement[] status = await ClusterProbes.CliStatusAsync(hosts.PostgresConnectionString, hosts.ClusterId, hosts.CliTlsArguments);
            Assert.Equal(
                hosts.Hosts.Select(h => h.SiloAddress).Order(),
                status.Where(s => s.GetProperty("status").GetString() == "active").Select(s => s.GetProperty("address").GetString()!).Order());

            // A client in the root namespace, through the hosts' gateways, reaches a grain that lives on the victim.
            await using ActorAIClient client = await ActorAIClient.ConnectAsync(hosts.CreateClientOptions());
            string victim = hosts.Hosts[Victim].SiloAddress;
            PingReply onVictim = await ClusterProbes.FindGrainOnAsync(client, victim, "hosts");

            await hosts.KillSiloAsync(Victim);
            var clock = Stopwatch.StartNew();
            PingReply recovered = await ClusterProbes.PingUntilAnsweredAsync(client, onVictim.Key, TimeSpan.FromSeconds(30));
            TimeSpan failover = clock.Elapsed;
            int[] survivors = [.. hosts.Hosts.Where(h => h.Index != Victim).Select(h => h.Index)];
            await Task.WhenAll(survivors.Select(i =>
                ClusterProbes.WaitForAsync(() => ActiveSilosAsync(i), n => n == NamespaceHosts.Count - 1, TimeSpan.FromSeconds(30))));
            TimeSpan declaredDead = clock.Elapsed;
            output.WriteLine($"grain answered from a survivor after {failover.TotalMilliseconds:0} ms; both survivors counted 2 active silos after {declaredDead.TotalMilliseconds:0} ms");

            Assert.Contains(recovered.Silo, survivors.Select(i => hosts.Hosts[i].SiloAddress));
            Assert.Equal(onVictim.Count + 1, recovered.Count);
            Assert.True(failover < FailoverBudget, $"the grain answered from a survivor after {failover.TotalSeconds:0.00} s (budget {FailoverBudget.TotalSeconds} s)");
            await ClusterProbes.WaitForAsync(() => ClusterProbes.CliStatusAsync(hosts.PostgresConnectionString, hosts.ClusterId, hosts.CliTlsArguments),
                s => s.Any(x => x.GetProperty("address").GetString() == victim && x.GetProperty("status").GetString() == "dead"),
                TimeSpan.FromSeconds(30));
        }
        catch
        {
            output.WriteLine(hosts.DescribeLogs());
            throw;
        }
    }

    // Each silo runs in its own network namespace, with its own HOME and working directory, and no host's directory
    // is, or is inside, another's.
    private void AssertHostsShareNothingButTheNetwork()
    {
        foreach (NamespaceHost host in hosts.Hosts)
        {
            foreach (NamespaceHost other in hosts.Hosts.Where(o => o != host))
            {
                Assert.False(IsSameOrInside(host.Directory, other.Directory), $"{host.Directory} is {other.Directory} or inside it");
                Assert.False(IsSameOrInside(host.ArtifactDirectory, other.ArtifactDirectory), $"{host.ArtifactDirectory} is {other.ArtifactDirectory} or inside it");
            }
            Assert.All(new[] { host.Home, host.WorkingDirectory, host.ArtifactDirectory }, d => Assert.True(IsSameOrInside(d, host.Directory), $"{d} is not inside {host.Directory}"));
            Assert.True(Directory.Exists(host.ArtifactDirectory), $"the silo of host {host.Index} has not made {host.ArtifactDirectory}");

            Assert.NotNull(host.SiloPid);
            string process = $"/proc/{host.SiloPid}";
            Assert.Equal(host.WorkingDirectory, new DirectoryInfo($"{process}/cwd").LinkTarget);
            Assert.Contains($"HOME={host.Home}", File.ReadAllText($"{process}/environ").Split('\0'));
        }
        string?[] networks = [.. hosts.Hosts.Select(h => new FileInfo($"/proc/{h.SiloPid}/ns/net").LinkTarget), new FileInfo("/proc/self/ns/net").LinkTarget];
        Assert.All(networks, n => Assert.StartsWith("net:[", n, StringComparison.Ordinal));
        Assert.Equal(NamespaceHosts.Count + 1, networks.Distinct().Count());
    }

    private static bool IsSameOrInside(string path, string directory)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        return full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private async Task<int> ActiveSilosAsync(int host)
    {
        using HttpClient http = hosts.CreateHttpClient(host);
        var health = await http.GetFromJsonAsync<JsonElement>("/health");
        return health.GetProperty("activeSilos").GetInt32();
    }
}

/// <summary>Runs alone, after the parallel collections: three more silos beside the other cluster tests would crowd a small machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NamespaceHostsCollection
{
    public const string Name = "namespace-hosts";
}
