using System.Collections.Immutable;
using System.Globalization;

namespace ActorAI.Abstractions.Cluster;

/// <summary>
/// The resources a silo advertises to the cluster (as Orleans silo metadata), used by placement and shown
/// by <c>actorai cluster status</c>.
/// </summary>
/// <param name="CpuCores">Logical CPU cores available to the silo process.</param>
/// <param name="MemoryBytes">Memory available to the silo process (container limit where one applies).</param>
/// <param name="GpuCount">CUDA devices visible to TorchSharp.</param>
/// <param name="GpuMemoryBytes">Total memory of those devices; 0 when unknown.</param>
/// <param name="Roles">Free-form roles from configuration, such as <c>train</c> or <c>serve</c>.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.SiloResources")]
public sealed record SiloResources(
    [property: Id(0)] int CpuCores,
    [property: Id(1)] long MemoryBytes,
    [property: Id(2)] int GpuCount,
    [property: Id(3)] long GpuMemoryBytes,
    [property: Id(4)] ImmutableArray<string> Roles)
{
    /// <summary>
    /// The most memory (bytes) this silo offers to compute grains, from <c>Silo:MemoryBudget</c>; 0 when no budget is
    /// set, so the silo offers all of its (GPU) memory.
    /// </summary>
    [Id(5)] public long MemoryBudgetBytes { get; init; }

    /// <summary>
    /// The memory (bytes) placement may hand out on this silo: its GPU memory where it has GPUs, its memory otherwise,
    /// capped by <see cref="MemoryBudgetBytes"/>; <see cref="long.MaxValue"/> when neither the memory nor a budget is known.
    /// </summary>
    public long MemoryOfferBytes
    {
        get
        {
            long memory = GpuCount > 0 ? GpuMemoryBytes : MemoryBytes;
            return (memory > 0, MemoryBudgetBytes > 0) switch
            {
                (true, true) => Math.Min(memory, MemoryBudgetBytes),
                (true, false) => memory,
                (false, true) => MemoryBudgetBytes,
                _ => long.MaxValue,
            };
        }
    }


    /// <summary>Silo metadata key for <see cref="CpuCores"/>.</summary>
    public const string CpuCoresKey = "actorai.cpu-cores";
    /// <summary>Silo metadata key for <see cref="MemoryBytes"/>.</summary>
    public const string MemoryBytesKey = "actorai.memory-bytes";
    /// <summary>Silo metadata key for <see cref="GpuCount"/>.</summary>
    public const string GpuCountKey = "actorai.gpu-count";
    /// <summary>Silo metadata key for <see cref="GpuMemoryBytes"/>.</summary>
    public const string GpuMemoryBytesKey = "actorai.gpu-memory-bytes";
    /// <summary>Silo metadata key for <see cref="Roles"/> (comma-separated).</summary>
    public const string RolesKey = "actorai.roles";
    /// <summary>Silo metadata key for <see cref="MemoryBudgetBytes"/> (absent when no budget is set).</summary>
    public const string MemoryBudgetBytesKey = "actorai.memory-budget-bytes";

    /// <summary>Encodes these resources as silo metadata entries.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata()
    {
        var metadata = new Dictionary<string, string>
        {
            [CpuCoresKey] = CpuCores.ToString(CultureInfo.InvariantCulture),
            [MemoryBytesKey] = MemoryBytes.ToString(CultureInfo.InvariantCulture),
            [GpuCountKey] = GpuCount.ToString(CultureInfo.InvariantCulture),
            [GpuMemoryBytesKey] = GpuMemoryBytes.ToString(CultureInfo.InvariantCulture),
            [RolesKey] = string.Join(',', Roles),
        };
        if (MemoryBudgetBytes > 0)
        {
            metadata[MemoryBudgetBytesKey] = MemoryBudgetBytes.ToString(CultureInfo.InvariantCulture);
        }
        return metadata;
    }

    /// <summary>
    /// Decodes resources from silo metadata; <see langword="null"/> when the silo advertised none (for example a
    /// silo that is not an ActorAI silo, or one whose metadata is no longer known because it died).
    /// </summary>
    public static SiloResources? FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(CpuCoresKey, out string? cpu))
        {
            return null;
        }
        string roles = metadata.GetValueOrDefault(RolesKey) ?? "";
        return new SiloResources(
            int.Parse(cpu, CultureInfo.InvariantCulture),
            ParseLong(metadata, MemoryBytesKey),
            (int)ParseLong(metadata, GpuCountKey),
            ParseLong(metadata, GpuMemoryBytesKey),
            [.. roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)])
        {
            // Absent on silos that set no budget (and on silos older than the key).
            MemoryBudgetBytes = ParseLong(metadata, MemoryBudgetBytesKey),
        };
    }

    private static long ParseLong(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out string? value) ? long.Parse(value, CultureInfo.InvariantCulture) : 0;
}
