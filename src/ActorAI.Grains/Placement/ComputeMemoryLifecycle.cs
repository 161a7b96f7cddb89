using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;

namespace ActorAI.Grains.Placement;

/// <summary>
/// Hooks every grain class placed by <see cref="ComputePlacement"/> or <see cref="ServingPlacement"/> into this silo's
/// <see cref="SiloMemoryLedger"/>: its activation confirms the reservation the director made, its deactivation (or failed
/// activation) releases it. An activation that no placement reserved for — a caller that still had the grain's old address
/// sends to that silo, which activates it there without asking the director — holds its declared need all the same. A
/// new compute grain gets all this by its placement attribute alone.
/// </summary>
internal sealed class ComputeMemoryLifecycle(SiloMemoryLedger ledger) : IConfigureGrainContextProvider, IConfigureGrainContext
{
    public bool TryGetConfigurator(GrainType grainType, GrainProperties properties, [NotNullWhen(true)] out IConfigureGrainContext? configurator)
    {
        configurator = properties.Properties.TryGetValue(WellKnownGrainTypeProperties.PlacementStrategy, out string? strategy)
            && strategy is nameof(ComputePlacement) or nameof(ServingPlacement)
                ? this
                : null;
        return configurator is not null;
    }

    public void Configure(IGrainContext context)
    {
        GrainId grain = context.GrainId;
        context.ObservableLifecycle.Subscribe(
            nameof(ComputeMemoryLifecycle),
            GrainLifecycleStage.First,
            async _ =>
            {
                if (!ledger.Activated(grain))
                {
                    ledger.Hold(grain, await MemoryNeeds.ReadAsync(context.ActivationServices.GetRequiredService<IGrainFactory>(), grain));
                }
            },
            _ =>
            {
                ledger.Deactivated(grain);
                return Task.CompletedTask;
            });
    }
}
