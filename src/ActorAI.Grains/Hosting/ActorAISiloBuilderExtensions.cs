using ActorAI.Abstractions.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    /// Adds ActorAI's grains' services — the content-addressed artifact store under <paramref name="artifactDirectory"/>
    /// — and advertises <paramref name="resources"/> as this silo's metadata.
    /// </summary>
    public static ISiloBuilder AddActorAI(this ISiloBuilder builder, SiloResources resources, string artifactDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactDirectory);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IArtifactStore>(new FileArtifactStore(artifactDirectory));
        builder.Services.TryAddSingleton<ComputeLanes>();
        builder.Services.TryAddSingleton<ServingModelLoader>();
        builder.AddPlacementDirector<ComputePlacement, ComputePlacementDirector>();
        builder.AddPlacementDirector<ServingPlacement, ComputePlacementDirector>();
        return builder.UseSiloMetadata(new Dictionary<string, string>(resources.ToMetadata()));
    }
}
