using ActorAI.Abstractions.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ActorAI.Grains.Hosting;

/// <summary>Silo builder extensions that every ActorAI silo (host or test cluster) applies.</summary>
public static class ActorAISiloBuilderExtensions
{
    /// <summary>
    /// Adds ActorAI's grains' services and advertises <paramref name="resources"/> as this silo's metadata.
    /// </summary>
    public static ISiloBuilder AddActorAI(this ISiloBuilder builder, SiloResources resources)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(resources);
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder.UseSiloMetadata(new Dictionary<string, string>(resources.ToMetadata()));
    }
}
