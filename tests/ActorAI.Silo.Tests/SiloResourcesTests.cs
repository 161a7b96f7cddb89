using System.Collections.Immutable;
using ActorAI.Abstractions.Cluster;
using ActorAI.Compute.Devices;
using ActorAI.Silo.Hosting;

namespace ActorAI.Silo.Tests;

public sealed class SiloResourcesTests
{
    [Fact]
    public void MetadataRoundTrips()
    {
        var resources = new SiloResources(16, 64L << 30, 2, 160L << 30, ImmutableArray.Create("gpu", "train"));

        SiloResources? decoded = SiloResources.FromMetadata(resources.ToMetadata());

        Assert.NotNull(decoded);
        Assert.Equal(resources.CpuCores, decoded!.CpuCores);
        Assert.Equal(resources.MemoryBytes, decoded.MemoryBytes);
        Assert.Equal(resources.GpuCount, decoded.GpuCount);
        Assert.Equal(resources.GpuMemoryBytes, decoded.GpuMemoryBytes);
        Assert.Equal<string>(resources.Roles, decoded.Roles);
    }

    [Fact]
    public void SilosWithoutActorAIMetadataHaveNoResources() =>
        Assert.Null(SiloResources.FromMetadata(new Dictionary<string, string> { ["other"] = "1" }));

    [Fact]
    public void ProbeCombinesHardwareWithConfiguredRoles()
    {
        SiloResources resources = SiloResourcesProbe.Read([" train", "serve", "train", ""]);
        HardwareInfo hardware = HardwareProbe.Read();

        Assert.Equal(hardware.CpuCores, resources.CpuCores);
        Assert.Equal(hardware.MemoryBytes, resources.MemoryBytes);
        Assert.Equal(hardware.GpuCount, resources.GpuCount);
        Assert.Equal<string>(["train", "serve"], resources.Roles);
    }
}
