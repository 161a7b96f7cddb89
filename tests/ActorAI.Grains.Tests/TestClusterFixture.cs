using ActorAI.Abstractions;
using ActorAI.Abstractions.Cluster;
using ActorAI.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
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
    public static ISiloBuilder AddTestSilo(ISiloBuilder silo, SiloResources resources, string artifactDirectory)
    {
        silo.AddMemoryGrainStorage(ProviderNames.GrainStorage)
            .UseInMemoryReminderService()
            .AddActorAI(resources, artifactDirectory, [ClusterFixture.ImportRoot]);
        // As the silo host does: state written with the Orleans serializer, so a reactivated grain reads it back.
        silo.Services.AddOptions<MemoryGrainStorageOptions>(ProviderNames.GrainStorage)
            .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        return silo;
    }

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
