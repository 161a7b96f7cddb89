using ActorAI.Abstractions.Serving;

namespace ActorAI.Grains.Serving;

/// <summary>Decisions a deployment takes about its replicas, as pure functions of what it last saw.</summary>
internal static class ReplicaPlanner
{
    /// <summary>
    /// The replicas to replace: those whose decode loop failed. They refuse every request, and reloading in place would
    /// keep them on the silo (or device) that failed, so they are retired and new ones started in their place.
    /// </summary>
    public static IReadOnlyList<ReplicaRecord> ToReplace(IEnumerable<ReplicaRecord> replicas, IReadOnlyDictionary<string, ReplicaLoad> loads) =>
        [.. replicas.Where(r => loads.TryGetValue(r.Id, out ReplicaLoad? load) && load.State == ReplicaState.Faulted)];
}
