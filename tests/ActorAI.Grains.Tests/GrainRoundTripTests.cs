using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Diagnostics;

namespace ActorAI.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class GrainRoundTripTests(ClusterFixture fixture)
{
    [Fact]
    public async Task PingRoundTripsAndCountsDurably()
    {
        IPingGrain grain = fixture.Cluster.GrainFactory.GetGrain<IPingGrain>($"round-trip-{Guid.NewGuid():N}");

        PingReply first = await grain.PingAsync("hello");
        PingReply second = await grain.PingAsync("again");

        Assert.Equal("hello", first.Message);
        Assert.Equal(1, first.Count);
        Assert.Equal(2, second.Count);
        Assert.Equal(first.FirstPing, second.FirstPing);
        Assert.Equal(first.Silo, second.Silo);
        Assert.Contains(first.Silo, fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress.ToParsableString()));
    }

    [Fact]
    public async Task ClusterGrainListsEverySiloWithItsAdvertisedResources()
    {
        IReadOnlyList<SiloInfo> silos = await fixture.Cluster.GrainFactory.GetGrain<IClusterGrain>(0).GetSilosAsync();

        string[] expected = [.. fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress.ToParsableString()).Order()];
        Assert.Equal(expected, silos.Select(s => s.Address).Order());
        Assert.All(silos, s =>
        {
            Assert.Equal(SiloState.Active, s.Status);
            Assert.NotNull(s.Resources);
            Assert.Equal(ClusterFixture.Resources.CpuCores, s.Resources!.CpuCores);
            Assert.Equal(ClusterFixture.Resources.GpuMemoryBytes, s.Resources.GpuMemoryBytes);
            Assert.Equal<string>(ClusterFixture.Resources.Roles, s.Resources.Roles);
        });
    }
}
