using System.Diagnostics.CodeAnalysis;
using Orleans.Metadata;

namespace ActorAI.Grains.Placement;

/// <summary>
/// Hooks every grain class placed by <see cref="ComputePlacement"/> or <see cref="ServingPlacement"/> into this silo's
/// <see cref="SiloMemoryLedger"/>: its activation confirms the reservation the director made, its deactivation (or failed
/// activation) releases it. A new compute grain gets this by its placement attribute alone.
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
            _ =>
            {
                ledger.Activated(grain);
                return Task.CompletedTask;
            },
            _ =>
            {
                ledger.Deactivated(grain);
                return Task.CompletedTask;
            });
    }
}
