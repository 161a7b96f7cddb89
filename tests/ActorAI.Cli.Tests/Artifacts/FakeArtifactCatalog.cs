using ActorAI.Abstractions.Artifacts;

namespace ActorAI.Cli.Tests.Artifacts;

/// <summary>An in-memory artifact catalog that records the garbage collections asked of it.</summary>
internal sealed class FakeArtifactCatalog : IArtifactCatalogGrain
{
    public List<ArtifactInfo> Artifacts { get; } = [];

    public List<(TimeSpan? Grace, bool DryRun)> Collections { get; } = [];

    public Task<IReadOnlyList<ArtifactInfo>> ListAsync() => Task.FromResult<IReadOnlyList<ArtifactInfo>>([.. Artifacts]);

    public Task<ArtifactInfo?> GetAsync(string sha256) => Task.FromResult(Artifacts.FirstOrDefault(a => a.Sha256 == sha256));

    public Task<ArtifactGcReport> CollectGarbageAsync(TimeSpan? grace, bool dryRun)
    {
        Collections.Add((grace, dryRun));
        string[] deleted = [.. Artifacts.Where(a => a.Locations.Count == 1).Select(a => a.Sha256)];
        return Task.FromResult(new ArtifactGcReport(Artifacts.Count, Artifacts.Count - deleted.Length, 0, deleted, 1000 * deleted.Length, dryRun));
    }
}
