using ActorAI.Abstractions.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ActorAI.Grains.Artifacts;
using ActorAI.Grains.Datasets;
using ActorAI.Grains.Diagnostics;
using System.Diagnostics.Metrics;
using ActorAI.Grains.Placement;
using ActorAI.Grains.Serving;
using ActorAI.Grains.Storage;
using ActorAI.Grains.Training;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ActorAI.Grains.Hosting;

/// <summary>Silo builder extensions that every ActorAI silo (host or test cluster) applies.</summary>
public static class ActorAISiloBuilderExtensions
{
    /// <summary>
    /// Adds ActorAI's grains' services — the cluster's content-addressed artifact plane, cached locally under
    /// <paramref name="artifactDirectory"/> (configure it with <see cref="ArtifactPlaneOptions"/>) — and advertises
    /// <paramref name="resources"/> and the local store's id as this silo's metadata. Checkpoint imports read only files under
    /// <paramref name="importRoots"/> (see <see cref="ImportRoots"/>); none (the default) refuses every import.
    /// </summary>
    public static ISiloBuilder AddActorAI(
        this ISiloBuilder builder, SiloResources resources, string artifactDirectory, IEnumerable<string>? importRoots = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactDirectory);
        builder.Services.TryAddSingleton(TimeProvider.System);
        var local = new FileArtifactStore(artifactDirectory);
        builder.Services.TryAddSingleton(local);
        builder.Services.AddOptions<ArtifactPlaneOptions>();
        builder.Services.TryAddSingleton<ArtifactTopology>();
        builder.Services.TryAddSingleton<IArtifactStore, ClusterArtifactStore>();
        builder.Services.TryAddSingleton<ArtifactRepairService>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ArtifactRepairService>());
        builder.AddPlacementDirector<ArtifactHostPlacement, ArtifactHostPlacementDirector>();
        builder.Services.TryAddSingleton(new ImportRoots(importRoots ?? []));
        builder.Services.TryAddSingleton<ComputeLanes>();
        builder.Services.AddActorAIDatasets(Path.Combine(artifactDirectory, "materialized"));
        builder.Services.TryAddSingleton<ServingModelLoader>();
        builder.AddPlacementDirector<ComputePlacement, ComputePlacementDirector>();
        builder.AddPlacementDirector<ServingPlacement, ComputePlacementDirector>();
        // Memory-aware placement: this silo's ledger of what its compute grains reserved, readable by other silos.
        builder.Services.TryAddSingleton(sp => new SiloMemoryLedger(resources.MemoryOfferBytes, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IConfigureGrainContextProvider>(sp => new ComputeMemoryLifecycle(sp.GetRequiredService<SiloMemoryLedger>()));
        builder.AddPlacementDirector<SiloMemoryPlacement, SiloMemoryPlacementDirector>();
        // Instruments on the host's meter factory (a host may register them without one: metrics off); trace context
        // crosses silos with every grain call.
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(sp => new ServingTelemetry(sp.GetRequiredService<IMeterFactory>()));
        builder.Services.TryAddSingleton(sp => new TrainingTelemetry(sp.GetRequiredService<IMeterFactory>()));
        builder.Services.TryAddSingleton(sp => new ClusterTelemetry(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<IClusterMembershipService>()));
        builder.AddActivityPropagation();
        return builder.UseSiloMetadata(new Dictionary<string, string>(resources.ToMetadata())
        {
            [ArtifactTopology.StoreKey] = local.StoreId,
        });
    }
}
