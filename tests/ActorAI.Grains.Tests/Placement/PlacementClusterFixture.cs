using System.Collections.Immutable;
using ActorAI.Abstractions.Cluster;
using ActorAI.Grains.Placement;
using Orleans.TestingHost;

namespace ActorAI.Grains.Tests.Placement;

/// <summary>
/// Three CPU silos with 16 GiB each but different <c>Silo:MemoryBudget</c>s: 2 GiB, 2 GiB and 512 MiB (by silo name).
/// </summary>
public sealed class PlacementClusterFixture() : TestClusterFixture(new TestClusterBuilder(initialSilosCount: 3)
    .AddSiloBuilderConfigurator<SiloConfigurator>()
    .Build())
{
    public const long GiB = 1L << 30;
    public const long MiB = 1L << 20;

    /// <summary>The budget of each silo, by its test-cluster name.</summary>
    public static long BudgetOf(string siloName) => siloName switch
    {
        "Primary" => 2 * GiB,
        "Secondary_1" => 2 * GiB,
        _ => 512 * MiB,
    };

    public static readonly string ArtifactDirectory = Path.Combine(Path.GetTempPath(), "actorai-placement-tests", Guid.NewGuid().ToString("N"));

    /// <summary>What each silo's ledger holds, by silo address.</summary>
    public async Task<Dictionary<SiloAddress, long>> ReservedAsync() =>
        (await Task.WhenAll(Cluster.GetActiveSilos().Select(async s =>
            (s.SiloAddress, Bytes: await Cluster.Client.GetGrain<ISiloMemoryGrain>(SiloMemoryGrain.KeyOf(s.SiloAddress)).GetReservedAsync()))))
        .ToDictionary(r => r.SiloAddress, r => r.Bytes);

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            string name = silo.Configuration["Orleans:Name"]!;
            var resources = new SiloResources(2, 16 * GiB, 0, 0, ImmutableArray.Create("train", "serve")) { MemoryBudgetBytes = BudgetOf(name) };
            AddTestSilo(silo, resources, Path.Combine(ArtifactDirectory, name));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlacementClusterCollection : ICollectionFixture<PlacementClusterFixture>
{
    public const string Name = "placement-cluster";
}

/// <summary>A grain placed like a replica (or, keyed <c>train:…</c>, like a trainer) that does nothing but say where it is.</summary>
public interface IPlacementProbeGrain : IGrainWithStringKey
{
    Task<SiloAddress> SiloAsync();

    Task DeactivateAsync();
}

[ServingPlacement]
internal sealed class PlacementProbeGrain(ILocalSiloDetails silo) : Grain, IPlacementProbeGrain
{
    public Task<SiloAddress> SiloAsync() => Task.FromResult(silo.SiloAddress);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
