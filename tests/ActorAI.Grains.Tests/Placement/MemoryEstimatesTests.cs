using ActorAI.Abstractions.Serving;
using ActorAI.Compute.Models;
using ActorAI.Grains.Placement;

namespace ActorAI.Grains.Tests.Placement;

public sealed class MemoryEstimatesTests
{
    private static readonly GptConfig Gpt2 = GptConfig.Preset("gpt2", 50257);

    [Fact]
    public void AReplicaNeedsItsWeightsAndItsKvCache()
    {
        var spec = new ReplicaSpec("dep", "m", 1, "sha", "byte", MaxBatch: 8, MaxQueue: 8);

        long need = MemoryEstimates.Replica(Gpt2, spec);

        long weights = Gpt2.ParameterCount() * 4;
        long kv = 8L * 1024 * 12 * 2 * 768 * 4; // MaxBatch × context positions, K and V of every layer
        Assert.Equal(weights + kv, need);
        Assert.Equal(weights + 4096L * 12 * 2 * 768 * 4, MemoryEstimates.Replica(Gpt2, spec with { KvCacheTokens = 4096 }));
    }

    [Fact]
    public void ATrainerNeedsFourCopiesOfTheParametersAndItsActivations()
    {
        long need = MemoryEstimates.Trainer(Gpt2, rowsPerTrainer: 4, blockSize: 1024);

        Assert.Equal(Gpt2.ParameterCount() * 16 + 4L * 1024 * 768 * 12 * 16 * 4, need);
    }

    [Fact]
    public void AParameterShardNeedsItsSliceFourTimesAndAPushBufferPerTrainer() =>
        Assert.Equal(1000L * 4 * 4 + 1000L * 4 * 3, MemoryEstimates.ParameterShard(1000, workers: 3));

    [Fact]
    public void TheLineageConfigIsReadBackOrIgnored()
    {
        Assert.Equal(Gpt2, MemoryEstimates.ConfigOf(System.Text.Json.JsonSerializer.Serialize(Gpt2)));
        Assert.Null(MemoryEstimates.ConfigOf(null));
        Assert.Null(MemoryEstimates.ConfigOf("not json"));
    }
}
