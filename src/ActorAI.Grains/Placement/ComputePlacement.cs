using System.IO.Hashing;
using System.Text;
using ActorAI.Abstractions.Cluster;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace ActorAI.Grains.Placement;

/// <summary>
/// Placement for the members of a distributed computation (trainers, parameter shards): silos that advertise the
/// <c>train</c> role (all silos when none does), GPU silos first, and member <c>i</c> of a job on silo
/// <c>(hash(job) + i) mod n</c> of them — so ranks spread evenly, and rank i's trainer sits beside shard i.
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
/// Placement for inference replicas: silos that advertise the <c>serve</c> role (all silos when none does), GPU silos
/// first, replica <c>i</c> of a deployment on silo <c>(hash(deployment) + i) mod n</c> — so replicas spread evenly.
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

internal sealed class ComputePlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress[] silos = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint)
        {
            return Task.FromResult(hint);
        }
        string role = strategy is ServingPlacement ? ServingPlacement.ServeRole : ComputePlacement.TrainRole;
        SiloAddress[] pool = Eligible(silos, metadata, role);
        return Task.FromResult(pool[Slot(target.GrainIdentity.Key.ToString()!, pool.Length)]);
    }

    /// <summary>
    /// The silos that may host work of <paramref name="role"/>: those advertising it (all when none does), only the GPU
    /// ones when any has a GPU; in address order.
    /// </summary>
    internal static SiloAddress[] Eligible(IEnumerable<SiloAddress> silos, ISiloMetadataCache metadata, string role)
    {
        var candidates = silos
            .OrderBy(s => s.ToParsableString(), StringComparer.Ordinal)
            .Select(s => (Silo: s, Resources: SiloResources.FromMetadata(metadata.GetSiloMetadata(s).Metadata)))
            .ToArray();
        var pool = candidates.Where(c => c.Resources?.Roles.Contains(role) == true).ToArray();
        if (pool.Length == 0)
        {
            pool = candidates;
        }
        var gpus = pool.Where(c => c.Resources?.GpuCount > 0).ToArray();
        return [.. (gpus.Length > 0 ? gpus : pool).Select(c => c.Silo)];
    }

    internal static int Slot(string key, int count)
    {
        int slash = key.LastIndexOf('/');
        string job = slash < 0 ? key : key[..slash];
        uint jobHash = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(job));
        long index = slash >= 0 && int.TryParse(key.AsSpan(slash + 1), out int i) ? i : 0;
        return (int)((jobHash + index) % (uint)count);
    }
}
