using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Grains.Hosting;
using Orleans.TestingHost;

namespace ActorAI.Grains.Tests;

/// <summary>A test cluster deployed before the tests of a fixture and stopped after them.</summary>
public abstract class TestClusterFixture(TestCluster cluster) : IAsyncLifetime
{
    public TestCluster Cluster { get; } = cluster;

    /// <summary>
    /// What every test silo has: in-memory grain state and reminders, and ActorAI's services with
    /// <paramref name="artifactDirectory"/> as its store and the temp directory as its import root.
    /// </summary>
    public static ISiloBuilder AddTestSilo(ISiloBuilder silo, SiloResources resources, string artifactDirectory) => silo
        .AddMemoryGrainStorage(ProviderNames.GrainStorage)
        .UseInMemoryReminderService()
        .AddActorAI(resources, artifactDirectory, [ClusterFixture.ImportRoot]);

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
