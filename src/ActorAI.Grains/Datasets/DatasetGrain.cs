using System.Collections.Immutable;
using System.Globalization;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;
using ActorAI.Data.Datasets;
using ActorAI.Grains.Storage;

namespace ActorAI.Grains.Datasets;

/// <summary>Persistent state of a named dataset: its versions, oldest first.</summary>
[GenerateSerializer, Alias("ActorAI.DatasetState")]
public sealed record DatasetState
{
    [Id(0)] public ImmutableList<DatasetVersion> Versions { get; init; } = [];
}

/// <summary>
/// A named dataset. A version is registered only when every file is a stored artifact of the size given, the manifest
/// parses, and the files are exactly what the manifest describes (see <see cref="DatasetVersions"/>).
/// </summary>
internal sealed class DatasetGrain(
    [PersistentState("dataset", ProviderNames.GrainStorage)] IPersistentState<DatasetState> state,
    IArtifactStore artifacts,
    TimeProvider clock) : Grain, IDatasetGrain
{
    private string Name => this.GetPrimaryKeyString();

    public async Task<DatasetRegistration> RegisterAsync(IReadOnlyList<NamedArtifact> files, IReadOnlyList<string> tags)
    {
        if (DatasetNames.Problem(Name) is { } problem)
        {
            throw new DatasetException(problem);
        }
        DatasetVersions.CheckShape(files, tags);
        NamedArtifact manifestFile = files.FirstOrDefault(f => f.Name == DatasetNames.ManifestFile)
            ?? throw new DatasetException($"files: the dataset's {DatasetNames.ManifestFile} is missing");
        if (state.State.Versions.LastOrDefault() is { } latest && latest.ManifestSha256 == manifestFile.Sha256)
        {
            return new DatasetRegistration(Name, latest, Created: false);
        }

        await CheckStoredAsync(manifestFile);
        string path = await artifacts.OpenVerifiedAsync(manifestFile.Sha256);
        DatasetManifest manifest;
        try
        {
            manifest = await Task.Run(() => DatasetManifest.ReadDetached(path));
        }
        catch (DatasetFormatException ex)
        {
            // The message names the store's file; the caller knows it as manifest.json.
            throw new DatasetException($"files: {DatasetNames.ManifestFile} is not a valid dataset manifest: {ex.Message.Replace(path, DatasetNames.ManifestFile, StringComparison.Ordinal)}");
        }
        DatasetVersion version = DatasetVersions.Create(state.State.Versions.Count + 1, files, manifest, tags, clock.GetUtcNow());
        foreach (NamedArtifact file in version.Files.Where(f => f != manifestFile))
        {
            await CheckStoredAsync(file);
        }

        state.State = state.State with { Versions = state.State.Versions.Add(version) };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<INameIndexGrain>(INameIndexGrain.Datasets).AddAsync(Name);
        return new DatasetRegistration(Name, version, Created: true);
    }

    public Task<DatasetInfo> GetAsync() => Task.FromResult(new DatasetInfo(Name, state.State.Versions));

    public Task<DatasetVersion> ResolveAsync(string version)
    {
        ImmutableList<DatasetVersion> versions = state.State.Versions;
        if (versions.Count == 0)
        {
            throw new DatasetException($"dataset '{Name}' does not exist (no version is registered; `actorai data list` shows them all)");
        }
        if (version == DatasetNames.Latest)
        {
            return Task.FromResult(versions[^1]);
        }
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            throw new DatasetException($"version: '{version}' is not a version of dataset '{Name}': a number 1..{versions.Count} or '{DatasetNames.Latest}'");
        }
        return Task.FromResult(versions.FirstOrDefault(v => v.Version == number)
            ?? throw new DatasetException($"version: dataset '{Name}' has no version {number} (versions 1..{versions.Count})"));
    }

    public Task<IReadOnlyList<string>> GetArtifactReferencesAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Versions.SelectMany(v => v.Files.Concat(v.TokenizerFiles)).Select(f => f.Sha256).Distinct()]);

    private async Task CheckStoredAsync(NamedArtifact file)
    {
        ArtifactInfo info;
        try
        {
            info = await artifacts.DescribeAsync(file.Sha256);
        }
        catch (ArtifactException)
        {
            throw new DatasetException($"files: '{file.Name}' (artifact {file.Sha256}) is not in the artifact store; upload it first");
        }
        if (info.Size != file.Size)
        {
            throw new DatasetException($"files: '{file.Name}' is said to be {file.Size} bytes but artifact {file.Sha256} holds {info.Size}");
        }
    }
}
