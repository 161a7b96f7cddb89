using System.Collections.Immutable;
using ActorAI.Abstractions.Cluster;
using ActorAI.Compute.Devices;

namespace ActorAI.Silo.Hosting;

/// <summary>Turns the machine's hardware and the configured roles into the resources this silo advertises.</summary>
public static class SiloResourcesProbe
{
    /// <summary>
    /// Reads the hardware (through TorchSharp for GPUs) and attaches <paramref name="roles"/> and the memory budget
    /// (<c>Silo:MemoryBudget</c>; <see langword="null"/> for none).
    /// </summary>
    public static SiloResources Read(IEnumerable<string> roles, long? memoryBudget = null)
    {
        HardwareInfo hardware = HardwareProbe.Read();
        return new SiloResources(
            hardware.CpuCores, hardware.MemoryBytes, hardware.GpuCount, hardware.GpuMemoryBytes,
            [.. roles.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal)])
        {
            MemoryBudgetBytes = memoryBudget ?? 0,
        };
    }
}
