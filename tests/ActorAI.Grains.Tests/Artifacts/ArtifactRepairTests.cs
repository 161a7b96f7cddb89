using System.Security.Cryptography;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Client;
using ActorAI.Grains.Tests.Serving;
using Orleans.TestingHost;

namespace ActorAI.Grains.Tests.Artifacts;

/// <summary>Losing a silo: every artifact it held goes back to two live copies, and stays readable everywhere.</summary>
public sealed class ArtifactRepairTests : IAsyncLifetime
{
    private readonly ArtifactClusterFixture _fixture = new();

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task KillingASiloReplicatesItsArtifactsAgainFromTheSurvivors()
    {
        TestCluster cluster = _fixture.Cluster;
        var client = ActorAIClient.Create(cluster.Client);
        var written = new List<(string Sha, byte[] Data)>();
        foreach (SiloHandle silo in cluster.GetActiveSilos())
        {
            for (int i = 0; i < 4; i++)
            {
                byte[] data = RandomNumberGenerator.GetBytes(50_000 + i);
                written.Add((await cluster.Client.GetGrain<IArtifactProbeGrain>(ArtifactClusterFixture.StoreOf(silo)).WriteAsync(data), data));
            }
        }
        SiloHandle victim = cluster.SecondarySilos[0];
        string victimStore = ArtifactClusterFixture.StoreOf(victim);
        Assert.Contains(written, w => ArtifactClusterFixture.Holds(victim, w.Sha));

        await cluster.KillSiloAsync(victim);

        IReadOnlyList<ArtifactInfo> infos = [];
        await ServingModels.WaitUntilAsync(async () =>
        {
            // While the dead silo's catalog partition reactivates, a listing may miss entries: wait until all are back.
            infos = await client.ListArtifactsAsync();
            return written.All(w => infos.SingleOrDefault(i => i.Sha256 == w.Sha)?.LiveCopies >= 2);
        }, seconds: 60);
        SiloHandle[] survivors = [.. cluster.GetActiveSilos()];
        Assert.All(written, w => Assert.Equal(2, survivors.Count(s => ArtifactClusterFixture.Holds(s, w.Sha))));
        Assert.Contains(infos, i => i.Locations.Contains(victimStore)); // the dead store stays recorded: its disk may return
        foreach ((string sha, byte[] data) in written)
        {
            Assert.Equal(data, await cluster.Client.GetGrain<IArtifactProbeGrain>(ArtifactClusterFixture.StoreOf(survivors[0])).ReadAsync(sha));
        }
    }
}
