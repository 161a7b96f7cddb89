using System.Collections.Immutable;
using ActorAI.Abstractions.Cluster;
using ActorAI.Grains.Artifacts;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace ActorAI.Grains.Tests.Artifacts;

/// <summary>
/// Three silos, each with its own artifact directory (as on three hosts with no shared file system), two copies per
/// artifact, fast failure detection and repair.
/// </summary>
public sealed class ArtifactClusterFixture() : TestClusterFixture(new TestClusterBuilder(initialSilosCount: 3)
    .AddSiloBuilderConfigurator<SiloConfigurator>()
    .Build())
{
    /// <summary>The parent of the silos' directories: one sub-directory per silo name.</summary>
    public static readonly string Root = Path.Combine(Path.GetTempPath(), "actorai-artifact-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The store directory of a silo.</summary>
    public static string DirectoryOf(SiloHandle silo) => Path.Combine(Root, silo.Name);

    /// <summary>The store id a silo advertises.</summary>
    public static string StoreOf(SiloHandle silo) => File.ReadAllText(Path.Combine(DirectoryOf(silo), "store-id")).Trim();

    /// <summary>Whether the store of <paramref name="silo"/> holds <paramref name="sha256"/> on disk.</summary>
    public static bool Holds(SiloHandle silo, string sha256) => File.Exists(Path.Combine(DirectoryOf(silo), sha256[..2], sha256));

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 1;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
            silo.Configure<ArtifactPlaneOptions>(o => o.RepairInterval = TimeSpan.FromSeconds(1));
            AddTestSilo(silo, new SiloResources(2, 1L << 30, 0, 0, ImmutableArray.Create("train", "serve")),
                Path.Combine(Root, silo.Configuration["Orleans:Name"]!));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ArtifactClusterCollection : ICollectionFixture<ArtifactClusterFixture>
{
    public const string Name = "artifact-cluster";
}
