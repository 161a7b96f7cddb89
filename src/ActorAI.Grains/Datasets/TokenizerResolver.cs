using System.Globalization;
using ActorAI.Abstractions.Datasets;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Grains.Datasets;

/// <summary>
/// Builds tokenizers on any silo: a <c>bpe:</c> tokenizer whose files are artifacts is loaded from a local directory
/// materialized by <see cref="DatasetCache"/> (the path in its spec is where it was trained, on another machine perhaps);
/// every other spec goes to <see cref="TokenizerFactory"/> as before.
/// </summary>
public sealed class TokenizerResolver(IGrainFactory grains, DatasetCache cache)
{
    /// <summary>The tokenizer of <paramref name="spec"/>, from <paramref name="files"/> when it is a <c>bpe:</c> tokenizer stored as artifacts.</summary>
    public async Task<ITextTokenizer> CreateAsync(string spec, IReadOnlyList<NamedArtifact>? files, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (files is { Count: > 0 } && spec.StartsWith(ByteLevelBpeTokenizer.SpecPrefix, StringComparison.Ordinal))
        {
            string directory = await cache.MaterializeTokenizerAsync(files, cancellationToken);
            return await Task.Run(() => ByteLevelBpeTokenizer.Load(directory), cancellationToken);
        }
        return await Task.Run(() => TokenizerFactory.Create(spec), cancellationToken);
    }

    /// <summary>The tokenizer of the model version a replica serves (its tokenizer artifacts are in the version's lineage).</summary>
    public async Task<ITextTokenizer> ForReplicaAsync(ReplicaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        IReadOnlyList<NamedArtifact>? files = null;
        if (spec.Tokenizer.StartsWith(ByteLevelBpeTokenizer.SpecPrefix, StringComparison.Ordinal))
        {
            ModelVersion version = await grains.GetGrain<IModelGrain>(spec.Model).ResolveAsync(spec.Version.ToString(CultureInfo.InvariantCulture));
            files = version.Lineage.TokenizerArtifacts;
        }
        return await CreateAsync(spec.Tokenizer, files);
    }
}
