using ActorAI.Abstractions.Serving;
using ActorAI.Grains.Serving;

namespace ActorAI.Grains.Tests.Serving;

public sealed class ReplicaPlannerTests
{
    [Fact]
    public void OnlyFaultedReplicasAreReplaced()
    {
        ReplicaRecord[] replicas = [new("d/0", 1), new("d/1", 1), new("d/2", 1), new("d/3", 1), new("d/4", 1)];
        var loads = new Dictionary<string, ReplicaLoad>
        {
            ["d/0"] = Load(ReplicaState.Ready),
            ["d/1"] = Load(ReplicaState.Faulted),
            ["d/2"] = Load(ReplicaState.Failed),   // never loaded: a new replica would fail the same way
            ["d/3"] = Load(ReplicaState.Loading),
        };                                          // d/4: not polled yet

        Assert.Equal(["d/1"], ReplicaPlanner.ToReplace(replicas, loads).Select(r => r.Id));
    }

    private static ReplicaLoad Load(ReplicaState state) => new(state, 0, 0, "silo", 0, DateTimeOffset.UnixEpoch, 64);
}
