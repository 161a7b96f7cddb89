using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Grains.Hosting;
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
        TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>A fresh artifact directory under the temp folder.</summary>
    public static string NewArtifactDirectory() => Path.Combine(Path.GetTempPath(), "actorai-it-artifacts", Guid.NewGuid().ToString("N"));

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            string connection = silo.Configuration["ActorAI:Postgres"]!;
            silo.AddAdoNetGrainStorage(ProviderNames.GrainStorage, o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connection;
            });
            silo.UseInMemoryReminderService();
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 1;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            silo.AddActorAI(new SiloResources(2, 1L << 30, 0, 0, ["train", "serve"]), silo.Configuration["ActorAI:Artifacts"]!);
        }
    }
}
