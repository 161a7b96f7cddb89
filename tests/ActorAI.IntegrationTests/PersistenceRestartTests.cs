using ActorAI.Abstractions.Diagnostics;
using ActorAI.Client;
using ActorAI.IntegrationTests.Infrastructure;
using ActorAI.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace ActorAI.IntegrationTests;

[Collection(PostgresCollection.Name)]
public sealed class PersistenceRestartTests(PostgresFixture postgres)
{
    [Fact]
    public async Task GrainStateWrittenThroughAdoNetSurvivesASiloRestart()
    {
        string clusterId = $"restart-{Guid.NewGuid():N}";
        string serviceId = $"svc-{Guid.NewGuid():N}";
        const string key = "durable-counter";

        PingReply beforeRestart;
        int[] ports = TestPorts.Free(3);
        await using (WebApplication first = StartSilo(clusterId, serviceId, ports))
        {
            await first.StartAsync();
            await using ActorAIClient client = await Connect(clusterId, ports[1]);
            await client.PingAsync(key);
            await client.PingAsync(key);
            beforeRestart = await client.PingAsync(key);
            await first.StopAsync();
        }

        ports = TestPorts.Free(3);
        await using WebApplication second = StartSilo(clusterId, serviceId, ports);
        await second.StartAsync();
        await using ActorAIClient again = await Connect(clusterId, ports[1]);
        PingReply afterRestart = await again.PingAsync(key);

        Assert.Equal(3, beforeRestart.Count);
        Assert.Equal(4, afterRestart.Count);
        Assert.Equal(beforeRestart.FirstPing, afterRestart.FirstPing);
        Assert.NotEqual(beforeRestart.Silo, afterRestart.Silo);
        await second.StopAsync();
    }

    private WebApplication StartSilo(string clusterId, string serviceId, int[] ports) => SiloHost.Build(
    [
        "--config", "postgres", "--postgres", postgres.ConnectionString, "--cluster-id", clusterId,
        $"--Silo:ServiceId={serviceId}", "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(),
        "--http-port", ports[2].ToString(), "--artifacts", Path.Combine(Path.GetTempPath(), $"actorai-it-{serviceId}"),
        $"--Auth:BootstrapAdminKey={SiloProcess.AdminKey}",
    ]);

    private static Task<ActorAIClient> Connect(string clusterId, int gatewayPort) => ActorAIClient.ConnectAsync(new ActorAIClientOptions
    {
        ClusterId = clusterId,
        Gateways = [$"127.0.0.1:{gatewayPort}"],
    });
}
