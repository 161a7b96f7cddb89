using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Grains.Placement;
using ActorAI.Grains.Tests.Serving;
using static ActorAI.Grains.Tests.Placement.PlacementClusterFixture;

namespace ActorAI.Grains.Tests.Placement;

[Collection(PlacementClusterCollection.Name)]
public sealed class MemoryPlacementTests(PlacementClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Cluster.Client;

    private async Task<IPlacementProbeGrain> DeclaredAsync(string key, long bytes)
    {
        var probe = _grains.GetGrain<IPlacementProbeGrain>(key);
        await MemoryNeeds.DeclareAsync(_grains, probe.GetGrainId(), bytes);
        return probe;
    }

    [Fact]
    public async Task AReplicaThatFitsNowhereIsRefusedWithTheFigures()
    {
        IPlacementProbeGrain probe = await DeclaredAsync($"huge-{Guid.NewGuid():N}/0", 3 * GiB);

        // Refused by the director on the gateway silo; the client sees the typed exception.
        var refusal = await Assert.ThrowsAsync<PlacementRefusedException>(probe.SiloAsync);

        Assert.Equal(3 * GiB, refusal.NeedBytes);
        Assert.Equal(2 * GiB, refusal.LargestFreeBytes);
        Assert.Equal("serve", refusal.Role);
        Assert.Contains("needs 3 GiB of memory; the largest free amount on a 'serve' silo is 2 GiB", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LargeGrainsLandOnDifferentSilosByFreeMemory()
    {
        string job = $"spread-{Guid.NewGuid():N}";
        // Both would fit on one 2 GiB silo; only preferring the most free memory puts them apart.
        IPlacementProbeGrain first = await DeclaredAsync($"{job}/0", 900 * MiB);
        IPlacementProbeGrain second = await DeclaredAsync($"{job}/0x", 900 * MiB);
        try
        {
            SiloAddress a = await first.SiloAsync();
            SiloAddress b = await second.SiloAsync();

            Assert.NotEqual(a, b);
            Dictionary<SiloAddress, long> reserved = await fixture.ReservedAsync();
            Assert.Equal(900 * MiB, reserved[a]);
            Assert.Equal(900 * MiB, reserved[b]);
        }
        finally
        {
            await first.DeactivateAsync();
            await second.DeactivateAsync();
            await ReleasedAsync();
        }
    }

    [Fact]
    public async Task DeactivationReleasesTheReservation()
    {
        string key = $"release-{Guid.NewGuid():N}/0";
        IPlacementProbeGrain probe = await DeclaredAsync(key, 1536 * MiB);
        SiloAddress silo = await probe.SiloAsync();
        Dictionary<SiloAddress, long> held = await fixture.ReservedAsync();
        Assert.True(held[silo] == 1536 * MiB, $"on {silo}: {string.Join(", ", held.Select(h => $"{h.Key}={h.Value}"))}");

        await probe.DeactivateAsync();

        await ReleasedAsync();
        // Placed again, it holds one need, not two (which would not even fit on the 2 GiB silos).
        await probe.SiloAsync();
        Assert.Equal(1536 * MiB, (await fixture.ReservedAsync()).Values.Sum());
        await probe.DeactivateAsync();
        await ReleasedAsync();
    }

    [Fact]
    public async Task ADeploymentWhoseReplicaFitsNowhereSaysSoWithTheFigures()
    {
        ActorAIClient client = ActorAIClient.Create(fixture.Cluster.Client);
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(client, model, 5);
        // A tiny model (2 layers of width 32) with a KV cache of 8M positions: 8M × 2 layers × K and V × 32 × 4 bytes ≈ 3.8 GiB,
        // kept whole (one stage), so it fits nowhere.
        await client.DeployAsync(name, new DeploymentSpec { Model = model, MinReplicas = 1, MaxReplicas = 1, KvCacheTokens = 8_000_000, Stages = 1 });

        await ServingModels.WaitUntilAsync(async () => (await client.GetDeploymentAsync(name))?.LastError is not null);
        DeploymentInfo info = (await client.GetDeploymentAsync(name))!;

        Assert.Matches(@"^replica '.+/0' needs 3\.\d GiB of memory; the largest free amount on a 'serve' silo is 2 GiB \(silo ", info.LastError);
        Assert.DoesNotContain(info.Replicas, r => r.State == ReplicaState.Ready);
        Assert.Equal(0, (await fixture.ReservedAsync()).Values.Sum());
        await client.DeleteDeploymentAsync(name);
    }

    [Fact]
    public async Task ADeploymentTooLargeForEverySiloIsSplitIntoTheFewestStagesThatFitAndServes()
    {
        ActorAIClient client = ActorAIClient.Create(fixture.Cluster.Client);
        string model = $"m-{Guid.NewGuid():N}", name = $"d-{Guid.NewGuid():N}";
        await ServingModels.ImportDeepAsync(client, model, layers: 4, seed: 9);
        // 4 layers of width 32 with 3M cached positions: 2.9 GiB whole, more than any silo (2, 2 and 0.5 GiB); as 2 stages,
        // 1.4 GiB each beside the coordinator's 0.4 GiB of kept inputs.
        await client.DeployAsync(name, new DeploymentSpec { Model = model, MinReplicas = 1, MaxReplicas = 1, KvCacheTokens = 3_000_000 });

        DeploymentInfo info;
        try
        {
            info = await client.WaitForDeploymentAsync(name, TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last error: {(await client.GetDeploymentAsync(name))?.LastError}", ex);
        }
        ReplicaInfo replica = Assert.Single(info.Replicas, r => r.State == ReplicaState.Ready);
        Assert.Equal(2, replica.StageSilos?.Count);
        Assert.Equal(2, replica.StageSilos!.Distinct().Count()); // no silo has room for both stages
        GenerationResult result = await client.GenerateAsync(name, ServingModels.Request("split", 6));
        Assert.Equal(6, result.CompletionTokens);
        Dictionary<SiloAddress, long> reserved = await fixture.ReservedAsync();
        Assert.InRange(reserved.Values.Sum(), 3L * GiB, 4L * GiB); // the coordinator and both stages hold their needs

        await client.DeleteDeploymentAsync(name);
        await ReleasedAsync(); // draining the replica releases its stages too
    }

    // Deactivation completes after the call that asked for it; the ledgers are read until they hold nothing again.
    private Task ReleasedAsync() => ServingModels.WaitUntilAsync(async () => (await fixture.ReservedAsync()).Values.Sum() == 0);
}
