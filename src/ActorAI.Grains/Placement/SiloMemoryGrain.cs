using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace ActorAI.Grains.Placement;

/// <summary>
/// One silo's <see cref="SiloMemoryLedger"/>, for other silos (key: the silo's address,
/// <see cref="SiloAddress.ToParsableString"/>; placed on that silo).
/// </summary>
[Alias("ActorAI.ISiloMemoryGrain")]
internal interface ISiloMemoryGrain : IGrainWithStringKey
{
    /// <summary>Reserves the need of a grain about to be placed on this silo; false when it does not fit.</summary>
    [Alias("TryReserve")]
    Task<bool> TryReserveAsync(GrainId grain, long bytes);

    /// <summary>Memory (bytes) reserved and held on this silo.</summary>
    [Alias("GetReserved")]
    Task<long> GetReservedAsync();
}

[Reentrant, SiloMemoryPlacement]
internal sealed class SiloMemoryGrain(SiloMemoryLedger ledger, ILocalSiloDetails silo) : Grain, ISiloMemoryGrain
{
    public static string KeyOf(SiloAddress silo) => silo.ToParsableString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        // Placement only puts the grain on the silo its key names; anything else is a broken invariant.
        this.GetPrimaryKeyString() == KeyOf(silo.SiloAddress)
            ? Task.CompletedTask
            : throw new InvalidOperationException($"the memory ledger of silo {this.GetPrimaryKeyString()} was activated on silo {silo.SiloAddress}");

    public Task<bool> TryReserveAsync(GrainId grain, long bytes) => Task.FromResult(ledger.TryReserve(grain, bytes));

    public Task<long> GetReservedAsync() => Task.FromResult(ledger.ReservedBytes);
}

/// <summary>Places a grain keyed by a silo address on that silo, or refuses when it is not active.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("ActorAI.SiloMemoryPlacement")]
public sealed class SiloMemoryPlacement : PlacementStrategy
{
    internal static SiloMemoryPlacement Singleton { get; } = new();
}

/// <summary>Places a grain class with <see cref="SiloMemoryPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloMemoryPlacementAttribute() : PlacementAttribute(SiloMemoryPlacement.Singleton);

internal sealed class SiloMemoryPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        SiloAddress? silo = context.GetCompatibleSilos(target).FirstOrDefault(s => SiloMemoryGrain.KeyOf(s) == key);
        return silo is not null
            ? Task.FromResult(silo)
            : throw new SiloUnavailableException($"silo {key} is not an active silo");
    }
}
