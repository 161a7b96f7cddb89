using System.Collections.Immutable;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Artifacts;
using Microsoft.Extensions.Logging;

namespace ActorAI.Grains.Artifacts;

/// <summary>Persistent state of one directory partition.</summary>
[GenerateSerializer, Alias("ActorAI.ArtifactDirectoryState")]
internal sealed class ArtifactDirectoryState
{
    [Id(0)] public Dictionary<string, ArtifactRecord> Artifacts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One partition of the artifact directory; see <see cref="IArtifactDirectoryGrain"/>.</summary>
internal sealed partial class ArtifactDirectoryGrain(
    [PersistentState("artifacts", ProviderNames.GrainStorage)] IPersistentState<ArtifactDirectoryState> state,
    TimeProvider clock,
    ILogger<ArtifactDirectoryGrain> logger) : Grain, IArtifactDirectoryGrain
{
    /// <summary>A started repair copy is not started again for this long.</summary>
    private static readonly TimeSpan RepairPatience = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, DateTimeOffset> _repairing = new(StringComparer.Ordinal);

    /// <summary>The partitions' keys.</summary>
    public static IReadOnlyList<string> Partitions { get; } = [.. "0123456789abcdef".Select(c => c.ToString())];

    /// <summary>The partition that records <paramref name="sha256"/>.</summary>
    public static string PartitionOf(string sha256) => ArtifactLimits.RequireSha256(sha256)[..1];

    public Task<ArtifactRecord?> GetAsync(string sha256) => Task.FromResult(state.State.Artifacts.GetValueOrDefault(sha256));

    public Task<IReadOnlyList<ArtifactRecord>> ListAsync() =>
        Task.FromResult<IReadOnlyList<ArtifactRecord>>([.. state.State.Artifacts.Values.OrderBy(r => r.Sha256, StringComparer.Ordinal)]);

    public async Task RecordAsync(string sha256, long size, IReadOnlyList<string> stores, bool written = false)
    {
        DateTimeOffset now = clock.GetUtcNow();
        if (PartitionOf(sha256) != this.GetPrimaryKeyString())
        {
            throw new ArtifactException($"artifact {sha256} belongs to directory partition {PartitionOf(sha256)}, not {this.GetPrimaryKeyString()}");
        }
        ArtifactRecord next = state.State.Artifacts.TryGetValue(sha256, out ArtifactRecord? current)
            ? current with { Stores = [.. current.Stores.Union(stores, StringComparer.Ordinal)], WrittenAt = written ? now : current.WrittenAt }
            : new ArtifactRecord(sha256, size, [.. stores.Distinct(StringComparer.Ordinal)], now, now);
        if (current is not null && current.Size != size)
        {
            throw new ArtifactException($"artifact {sha256} is recorded with {current.Size} bytes, not {size}");
        }
        foreach (string store in stores)
        {
            _repairing.Remove(Key(sha256, store));
        }
        if (current is null || !next.Stores.SequenceEqual(current.Stores) || next.WrittenAt != current.WrittenAt)
        {
            state.State.Artifacts[sha256] = next;
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string sha256)
    {
        if (state.State.Artifacts.Remove(sha256))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<int> RepairAsync(IReadOnlyList<string> liveStores, int wanted)
    {
        DateTimeOffset now = clock.GetUtcNow();
        var live = liveStores.ToHashSet(StringComparer.Ordinal);
        int started = 0;
        foreach (ArtifactRecord record in state.State.Artifacts.Values)
        {
            string[] holders = [.. record.Stores.Where(live.Contains)];
            int pending = live.Count(s => _repairing.TryGetValue(Key(record.Sha256, s), out DateTimeOffset until) && until > now);
            int missing = Math.Min(wanted, live.Count) - holders.Length - pending;
            if (missing <= 0)
            {
                continue;
            }
            if (holders.Length == 0)
            {
                LogLost(record.Sha256, record.Stores.Length);
                continue;
            }
            // Targets: live stores without a copy or a copy under way, a different choice per artifact.
            string[] targets = [.. live
                .Where(s => !record.Stores.Contains(s) && !_repairing.ContainsKey(Key(record.Sha256, s)))
                .OrderBy(s => HashCode.Combine(s, record.Sha256))
                .Take(missing)];
            foreach (string target in targets)
            {
                _repairing[Key(record.Sha256, target)] = now + RepairPatience;
                _ = GrainFactory.GetGrain<IArtifactHostGrain>(target).CopyFromAsync(record.Sha256, record.Size, holders);
                started++;
            }
        }
        foreach (string key in _repairing.Where(p => p.Value <= now).Select(p => p.Key).ToList())
        {
            _repairing.Remove(key);
        }
        if (started > 0)
        {
            LogRepairing(this.GetPrimaryKeyString(), started);
        }
        return Task.FromResult(started);
    }

    private static string Key(string sha256, string store) => $"{sha256}/{store}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Artifact directory {Partition}: started {Copies} repair copies")]
    private partial void LogRepairing(string partition, int copies);

    [LoggerMessage(Level = LogLevel.Error, Message = "Artifact {Sha256} has no copy on a live silo (recorded on {Stores} stores); it cannot be repaired until one returns")]
    private partial void LogLost(string sha256, int stores);
}
