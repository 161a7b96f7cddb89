using ActorAI.Abstractions.Cluster;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace ActorAI.Grains.Placement;

/// <summary>
/// Placement for the members of a distributed computation (trainers, parameter shards): silos that advertise the
/// <c>train</c> role (all silos when none does) with room for the need the grain declared, GPU silos first, the most free
/// memory first, and among equals member <c>i</c> of a job on silo <c>(hash(job) + i) mod n</c> — so ranks spread evenly.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("ActorAI.ComputePlacement")]
public sealed class ComputePlacement : PlacementStrategy
{
    /// <summary>The role that marks silos for training work.</summary>
    public const string TrainRole = "train";

    internal static ComputePlacement Singleton { get; } = new();
}

/// <summary>Places a grain class with <see cref="ComputePlacement"/>. Keys must look like <c>job/index</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ComputePlacementAttribute() : PlacementAttribute(ComputePlacement.Singleton);

/// <summary>
/// Placement for inference replicas: silos that advertise the <c>serve</c> role (all silos when none does) with room for
/// the need the replica declared, GPU silos first, the most free memory first, and among equals replica <c>i</c> of a
/// deployment on silo <c>(hash(deployment) + i) mod n</c> — so replicas spread evenly.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("ActorAI.ServingPlacement")]
public sealed class ServingPlacement : PlacementStrategy
{
    /// <summary>The role that marks silos for inference.</summary>
    public const string ServeRole = "serve";

    internal static ServingPlacement Singleton { get; } = new();
}

/// <summary>Places a grain class with <see cref="ServingPlacement"/>. Keys must look like <c>deployment/index</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ServingPlacementAttribute() : PlacementAttribute(ServingPlacement.Singleton);

/// <summary>
/// Places compute grains by memory: reads the need the grain's creator declared (<see cref="MemoryNeeds"/>) and the free
/// memory of the silos of its role, lets <see cref="MemoryPlanner"/> choose, and reserves the need on the chosen silo
/// before answering — so concurrent placements do not overcommit it. Refuses with <see cref="PlacementRefusedException"/>
/// (which reaches the grain's caller) when nothing fits.
/// </summary>
internal sealed class ComputePlacementDirector(ISiloMetadataCache metadata, IGrainFactory grains) : IPlacementDirector
{
    // A reservation refused because another placement took the room meanwhile is retried on fresh figures.
    private const int Attempts = 4;

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress[] silos = context.GetCompatibleSilos(target);
        SiloAddress? hint = IPlacementDirector.GetPlacementHint(target.RequestContextData, silos);
        bool serving = strategy is ServingPlacement;
        string role = serving ? ServingPlacement.ServeRole : ComputePlacement.TrainRole;
        GrainId grain = target.GrainIdentity;
        string key = grain.Key.ToString()!;
        long need = await MemoryNeeds.ReadAsync(grains, grain);
        IReadOnlyList<SiloMemory> memory = [];
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            memory = await ClusterMemory.ReadAsync(grains, metadata, silos, role);
            if (MemoryPlanner.Choose(memory, need, key, hint) is not { } choice)
            {
                break;
            }
            if (await grains.GetGrain<ISiloMemoryGrain>(SiloMemoryGrain.KeyOf(choice.Silo)).TryReserveAsync(grain, need))
            {
                return choice.Silo;
            }
        }
        throw MemoryPlanner.Refuse(Describe(grain, serving), memory, need, role);
    }

    /// <summary>How a refusal names the grain: <c>replica 'chat/0'</c>, <c>trainer 'job/1'</c>.</summary>
    internal static string Describe(GrainId grain, bool serving)
    {
        string type = grain.Type.ToString()!;
        string kind = serving ? "replica" : type.Contains("shard", StringComparison.OrdinalIgnoreCase) ? "parameter shard" : "trainer";
        return $"{kind} '{grain.Key}'";
    }

    /// <summary>
    /// The silos that may host work of <paramref name="role"/>: those advertising it (all when none does), only the GPU
    /// ones when any has a GPU; in address order.
    /// </summary>
    internal static SiloAddress[] Eligible(IEnumerable<SiloAddress> silos, ISiloMetadataCache metadata, string role)
    {
        var pool = MemoryPlanner.ForRole(silos.Select(s => (s, SiloResources.FromMetadata(metadata.GetSiloMetadata(s).Metadata))), role);
        var gpus = pool.Where(c => c.Resources?.GpuCount > 0).ToArray();
        return [.. (gpus.Length > 0 ? gpus : pool).Select(c => c.Silo)];
    }
}
