using System.Diagnostics;
using System.Text.Json;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Diagnostics;
using ActorAI.Client;
using ActorAI.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ActorAI.IntegrationTests;

/// <summary>Two real silo processes, clustered through the PostgreSQL membership table, one of them SIGKILLed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan FailoverBudget = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GrainOnAKilledSiloAnswersFromTheSurvivorAndStatusShowsTheDeadSilo()
    {
        string clusterId = $"failover-{Guid.NewGuid():N}";
        string serviceId = $"svc-{Guid.NewGuid():N}";
        await using SiloProcess survivor = SiloProcess.Start("survivor", clusterId, serviceId, postgres.ConnectionString);
        await using SiloProcess victim = SiloProcess.Start("victim", clusterId, serviceId, postgres.ConnectionString);
        try
        {
            await Task.WhenAll(survivor.WaitHealthyAsync(TimeSpan.FromSeconds(90)), victim.WaitHealthyAsync(TimeSpan.FromSeconds(90)));
            await using ActorAIClient client = await ActorAIClient.ConnectAsync(new ActorAIClientOptions
            {
                ClusterId = clusterId,
                PostgresConnectionString = postgres.ConnectionString,
                ConnectTimeout = TimeSpan.FromSeconds(30),
            });

            // One cluster: both processes are active members of the same membership table.
            IReadOnlyList<SiloInfo> silos = await ClusterProbes.WaitForAsync(client.GetSilosAsync, s => s.Count(x => x.Status == SiloState.Active) == 2, TimeSpan.FromSeconds(30));
            Assert.Equal(new[] { survivor.Address, victim.Address }.Order(), silos.Where(s => s.Status == SiloState.Active).Select(s => s.Address).Order());
            Assert.All(silos, s => Assert.NotNull(s.Resources));

            // A grain that lives on the victim.
            PingReply onVictim = await ClusterProbes.FindGrainOnAsync(client, victim.Address);

            victim.Kill();
            var clock = Stopwatch.StartNew();
            PingReply recovered = await ClusterProbes.PingUntilAnsweredAsync(client, onVictim.Key, TimeSpan.FromSeconds(30));
            TimeSpan failover = clock.Elapsed;
            output.WriteLine($"failover: {failover.TotalMilliseconds:0} ms");

            Assert.Equal(survivor.Address, recovered.Silo);
            Assert.Equal(onVictim.Count + 1, recovered.Count);
            Assert.True(failover < FailoverBudget, $"the grain answered from the survivor after {failover.TotalSeconds:0.00} s (budget {FailoverBudget.TotalSeconds} s)");

            // The CLI, a separate process reading the PostgreSQL membership, shows the victim as dead.
            JsonElement[] status = await ClusterProbes.WaitForAsync(() => ClusterProbes.CliStatusAsync(postgres.ConnectionString, clusterId),
                s => s.Any(x => x.GetProperty("address").GetString() == victim.Address && x.GetProperty("status").GetString() == "dead"),
                TimeSpan.FromSeconds(30));
            Assert.Contains(status, x => x.GetProperty("address").GetString() == survivor.Address && x.GetProperty("status").GetString() == "active");
            string table = await ClusterProbes.RunCliAsync(["cluster", "status", "--postgres", postgres.ConnectionString, "--cluster-id", clusterId]);
            Assert.Contains(table.Split('\n'), line => line.Contains(victim.Address, StringComparison.Ordinal) && line.Contains("dead", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine($"--- survivor ---\n{survivor.Output}\n--- victim ---\n{victim.Output}");
        }
    }
}
