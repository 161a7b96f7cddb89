using System.Collections.Immutable;
using System.Net;
using ActorAI.Abstractions.Cluster;
using ActorAI.Grains.Placement;

namespace ActorAI.Grains.Tests.Placement;

public sealed class MemoryPlannerTests
{
    private const long GiB = 1L << 30;
    private const long MiB = 1L << 20;

    private static SiloAddress Silo(int port) => SiloAddress.New(IPAddress.Loopback, port, 1);

    private static SiloMemory Memory(int port, long offer, long reserved = 0, bool gpu = false) => new(Silo(port), offer, reserved, gpu);

    [Fact]
    public void AGrainGoesToASiloItFits()
    {
        SiloMemory? choice = MemoryPlanner.Choose([Memory(1, 1 * GiB), Memory(2, 4 * GiB, reserved: 3 * GiB + 512 * MiB)], 768 * MiB, "job/0");

        Assert.Equal(Silo(1), choice?.Silo);
    }

    [Fact]
    public void TheSiloWithTheMostFreeMemoryWins()
    {
        SiloMemory[] silos = [Memory(1, 8 * GiB, reserved: 6 * GiB), Memory(2, 4 * GiB, reserved: 1 * GiB), Memory(3, 2 * GiB)];

        // Every key of the job: the most free (3 GiB on silo 2) beats the hash.
        Assert.All(Enumerable.Range(0, 8), i => Assert.Equal(Silo(2), MemoryPlanner.Choose(silos, 1 * GiB, $"job/{i}")?.Silo));
    }

    [Fact]
    public void EqualSilosAreSpreadByTheJobHash()
    {
        SiloMemory[] silos = [Memory(1, 4 * GiB), Memory(2, 4 * GiB), Memory(3, 4 * GiB)];

        var chosen = Enumerable.Range(0, 3).Select(i => MemoryPlanner.Choose(silos, 1 * GiB, $"job/{i}")!.Silo).ToHashSet();

        Assert.Equal(3, chosen.Count);
    }

    [Fact]
    public void NothingFitsGivesTheLargestFreeAmountInTheRefusal()
    {
        SiloMemory[] silos = [Memory(1, 1 * GiB, reserved: 900 * MiB), Memory(2, 512 * MiB, reserved: 212 * MiB)];

        Assert.Null(MemoryPlanner.Choose(silos, 1288490189, "dep/0"));
        PlacementRefusedException refusal = MemoryPlanner.Refuse("replica 'dep/0'", silos, 1288490189, "serve");

        Assert.Equal(1288490189, refusal.NeedBytes);
        Assert.Equal(300 * MiB, refusal.LargestFreeBytes);
        Assert.Equal("serve", refusal.Role);
        Assert.Contains("replica 'dep/0' needs 1.2 GiB of memory; the largest free amount on a 'serve' silo is 300 MiB (silo", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(Silo(2).ToString(), refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GpuSilosComeFirstAndCpuSilosOnlyWhenNoGpuSiloFits()
    {
        SiloMemory[] silos = [Memory(1, 64 * GiB), Memory(2, 8 * GiB, gpu: true), Memory(3, 16 * GiB, reserved: 12 * GiB, gpu: true)];

        Assert.Equal(Silo(2), MemoryPlanner.Choose(silos, 6 * GiB, "job/0")?.Silo);
        Assert.Equal(Silo(1), MemoryPlanner.Choose(silos, 10 * GiB, "job/0")?.Silo);
    }

    [Fact]
    public void TheHintIsHonouredOnlyWhenItFits()
    {
        SiloMemory[] silos = [Memory(1, 8 * GiB), Memory(2, 2 * GiB)];

        Assert.Equal(Silo(2), MemoryPlanner.Choose(silos, 1 * GiB, "dep/0", hint: Silo(2))?.Silo);
        Assert.Equal(Silo(1), MemoryPlanner.Choose(silos, 3 * GiB, "dep/0", hint: Silo(2))?.Silo);
    }

    [Fact]
    public void SilosOfTheRoleAreTheOnlyCandidatesUnlessNoneHasIt()
    {
        var train = new SiloResources(8, 16 * GiB, 0, 0, ImmutableArray.Create("train"));
        var serve = new SiloResources(8, 16 * GiB, 0, 0, ImmutableArray.Create("serve"));

        var pool = MemoryPlanner.ForRole([(Silo(2), serve), (Silo(1), train), (Silo(3), serve)], "serve");
        var fallback = MemoryPlanner.ForRole([(Silo(1), train), (Silo(2), null)], "serve");

        Assert.Equal([Silo(2), Silo(3)], pool.Select(p => p.Silo));
        Assert.Equal([Silo(1), Silo(2)], fallback.Select(p => p.Silo));
    }

    [Fact]
    public void TheOfferIsTheSmallerOfMemoryAndBudgetAndGpuMemoryOnGpuSilos()
    {
        var cpu = new SiloResources(8, 16 * GiB, 0, 0, []) { MemoryBudgetBytes = 4 * GiB };
        var gpu = new SiloResources(8, 64 * GiB, 1, 24 * GiB, []);
        var unknown = new SiloResources(8, 0, 0, 0, []);

        Assert.Equal(4 * GiB, cpu.MemoryOfferBytes);
        Assert.Equal(24 * GiB, gpu.MemoryOfferBytes);
        Assert.Equal(long.MaxValue, unknown.MemoryOfferBytes);
        Assert.Equal(4 * GiB, SiloResources.FromMetadata(cpu.ToMetadata())!.MemoryBudgetBytes);
    }

    [Fact]
    public void AJobThatFitsOnlyWhenSpreadIsPlacedAndOneTooLargeIsRefused()
    {
        SiloMemory[] silos = [Memory(1, 2 * GiB), Memory(2, 2 * GiB)];
        MemberNeed Need(int i, long bytes) => new($"trainer 'job/{i}'", $"job/{i}", bytes);

        Assert.Null(MemoryPlanner.PlaceAll(silos, [Need(0, 1536 * MiB), Need(1, 1536 * MiB)], "train"));
        PlacementRefusedException? refusal = MemoryPlanner.PlaceAll(silos, [Need(0, 1536 * MiB), Need(1, 1536 * MiB), Need(2, 1 * GiB)], "train");

        Assert.NotNull(refusal);
        Assert.Equal(1 * GiB, refusal!.NeedBytes);
        Assert.Equal(512 * MiB, refusal.LargestFreeBytes);
        Assert.StartsWith("trainer 'job/2' needs 1 GiB", refusal.Message, StringComparison.Ordinal);
    }
}
