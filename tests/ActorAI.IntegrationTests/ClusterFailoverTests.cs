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
            IReadOnlyList<SiloInfo> silos = await WaitForAsync(client.GetSilosAsync, s => s.Count(x => x.Status == SiloState.Active) == 2, TimeSpan.FromSeconds(30));
            Assert.Equal(new[] { survivor.Address, victim.Address }.Order(), silos.Where(s => s.Status == SiloState.Active).Select(s => s.Address).Order());
            Assert.All(silos, s => Assert.NotNull(s.Resources));

            // A grain that lives on the victim.
            PingReply onVictim = await FindGrainOnAsync(client, victim.Address);

            victim.Kill();
            var clock = Stopwatch.StartNew();
            PingReply recovered = await PingUntilAnsweredAsync(client, onVictim.Key, TimeSpan.FromSeconds(30));
            TimeSpan failover = clock.Elapsed;
            output.WriteLine($"failover: {failover.TotalMilliseconds:0} ms");

            Assert.Equal(survivor.Address, recovered.Silo);
            Assert.Equal(onVictim.Count + 1, recovered.Count);
            Assert.True(failover < FailoverBudget, $"the grain answered from the survivor after {failover.TotalSeconds:0.00} s (budget {FailoverBudget.TotalSeconds} s)");

            // The CLI, a separate process reading the PostgreSQL membership, shows the victim as dead.
            JsonElement[] status = await WaitForAsync(() => CliStatusAsync(clusterId),
                s => s.Any(x => x.GetProperty("address").GetString() == victim.Address && x.GetProperty("status").GetString() == "dead"),
                TimeSpan.FromSeconds(30));
            Assert.Contains(status, x => x.GetProperty("address").GetString() == survivor.Address && x.GetProperty("status").GetString() == "active");
            string table = await RunCliAsync(["cluster", "status", "--postgres", postgres.ConnectionString, "--cluster-id", clusterId]);
            Assert.Contains(table.Split('\n'), line => line.Contains(victim.Address, StringComparison.Ordinal) && line.Contains("dead", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine($"--- survivor ---\n{survivor.Output}\n--- victim ---\n{victim.Output}");
        }
    }

    private static async Task<PingReply> FindGrainOnAsync(ActorAIClient client, string silo)
    {
        for (int i = 0; i < 500; i++)
        {
            PingReply reply = await client.PingAsync($"failover-{i}");
            if (reply.Silo == silo)
            {
                return reply;
            }
        }
        throw new InvalidOperationException($"no grain was placed on {silo} in 500 activations");
    }

    private static async Task<PingReply> PingUntilAnsweredAsync(ActorAIClient client, string key, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await client.PingAsync(key).WaitAsync(TimeSpan.FromSeconds(1));
            }
            catch (Exception) when (clock.Elapsed < timeout)
            {
                // The call went to the dead silo (connection refused, or no answer yet): try again.
            }
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        T value = await read();
        while (!done(value))
        {
            Assert.True(clock.Elapsed < timeout, $"condition not reached within {timeout}; last value: {JsonSerializer.Serialize(value)}");
            await Task.Delay(250);
            value = await read();
        }
        return value;
    }

    private async Task<JsonElement[]> CliStatusAsync(string clusterId)
    {
        string json = await RunCliAsync(["cluster", "status", "--json", "--postgres", postgres.ConnectionString, "--cluster-id", clusterId]);
        return [.. JsonDocument.Parse(json).RootElement.EnumerateArray()];
    }

    private static async Task<string> RunCliAsync(string[] args)
    {
        ProcessResult result = await ProcessRunner.RunAsync("dotnet", [TestPaths.Cli, .. args]);
        Assert.True(result.ExitCode == 0, $"actorai {string.Join(' ', args)} exited {result.ExitCode}: {result.StandardError}");
        return result.StandardOutput;
    }
}
