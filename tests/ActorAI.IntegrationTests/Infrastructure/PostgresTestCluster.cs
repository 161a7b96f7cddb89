using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Grains.Hosting;
using ActorAI.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace ActorAI.IntegrationTests.Infrastructure;

/// <summary>
/// In-process test clusters whose grain state lives in the real PostgreSQL, with fast failure detection (a killed silo
/// is declared dead in about a second) and silos that take both training and serving work.
/// </summary>
internal static class PostgresTestCluster
{
    /// <summary>Starts <paramref name="silos"/> silos sharing <paramref name="artifacts"/> as their artifact store.</summary>
    public static async Task<TestCluster> StartAsync(PostgresFixture postgres, int silos, string artifacts, string? serviceId = null)
    {
        var builder = new TestClusterBuilder((short)silos);
        builder.Options.ClusterId = $"it-{Guid.NewGuid():N}";
        builder.Options.ServiceId = serviceId ?? $"svc-{Guid.NewGuid():N}";
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ActorAI:Postgres"] = postgres.ConnectionString,
            ["ActorAI:Artifacts"] = artifacts,
        }));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>A fresh artifact directory under the temp folder.</summary>
    public static string NewArtifactDirectory() => Path.Combine(Path.GetTempPath(), "actorai-it-artifacts", Guid.NewGuid().ToString("N"));

    // A client whose gateway dies learns of it as fast as the silos do, and stops waiting for answers that cannot come.
    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client)
        {
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddActorAIPostgresGrainStorage(silo.Configuration["ActorAI:Postgres"]!);
            silo.UseInMemoryReminderService();
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 1;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            silo.AddActorAI(new SiloResources(2, 1L << 30, 0, 0, ["train", "serve"]), silo.Configuration["ActorAI:Artifacts"]!,
                importRoots: [Path.GetTempPath()]);
        }
    }
}
