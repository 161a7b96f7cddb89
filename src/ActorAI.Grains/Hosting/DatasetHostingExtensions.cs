using ActorAI.Grains.Datasets;
using ActorAI.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorAI.Grains.Hosting;

/// <summary>The silo services of named datasets and artifact-backed tokenizers.</summary>
public static class DatasetHostingExtensions
{
    /// <summary>
    /// Adds <see cref="DatasetCache"/> (materialized datasets and tokenizers under <paramref name="cacheDirectory"/>),
    /// <see cref="DatasetResolver"/> and <see cref="TokenizerResolver"/>. Needs an <see cref="IArtifactStore"/>.
    /// </summary>
    public static IServiceCollection AddActorAIDatasets(this IServiceCollection services, string cacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheDirectory);
        services.TryAddSingleton(sp => new DatasetCache(sp.GetRequiredService<IArtifactStore>(), cacheDirectory));
        services.TryAddSingleton<DatasetResolver>();
        services.TryAddSingleton<TokenizerResolver>();
        return services;
    }
}
