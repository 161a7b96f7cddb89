using System.Collections.Immutable;
using ActorAI.Abstractions.Cluster;
using ActorAI.Grains.Serving;
using ActorAI.Grains.Tests.Serving;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ActorAI.Grains.Tests;

/// <summary>One two-silo test cluster shared by the tests of the collection.</summary>
public sealed class ClusterFixture() : TestClusterFixture(new TestClusterBuilder(initialSilosCount: 2)
    .AddSiloBuilderConfigurator<SiloConfigurator>()
    .AddClientBuilderConfigurator<ClientConfigurator>()
    .Build())
{
    public static readonly SiloResources Resources = new(8, 16L << 30, 1, 80L << 30, ImmutableArray.Create("train", "serve"));

    /// <summary>The only directory checkpoints are imported from: the tests write theirs to the temp directory.</summary>
    public static readonly string ImportRoot = Path.GetTempPath();

    /// <summary>One artifact store shared by the test silos, as a shared file system would be.</summary>
    public static readonly string ArtifactDirectory = Path.Combine(Path.GetTempPath(), "actorai-grain-tests", Guid.NewGuid().ToString("N"));

    // As ActorAIClient.ConnectAsync does: the router's spans continue on the silos (see TelemetryClusterTests).
    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddActivityPropagation();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            AddTestSilo(siloBuilder, Resources, ArtifactDirectory);
            siloBuilder.Services.AddSingleton<ServingModelLoader, FaultInjectingModelLoader>();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
