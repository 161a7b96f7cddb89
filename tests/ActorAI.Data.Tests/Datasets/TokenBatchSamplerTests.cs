using ActorAI.Data.Datasets;

namespace ActorAI.Data.Tests.Datasets;

public sealed class TokenBatchSamplerTests
{
    private const long Blocks = 1000;
    private const int GlobalBatch = 32;

    [Fact]
    public void The_order_is_pinned_across_versions()
    {
        // SplitMix64 + Fisher–Yates is part of the data contract: a checkpoint resumed with a newer build must see
        // the same order. The numbers come from an independent Python transcription of the algorithm; change them only
        // together with a deliberate format change.
        Assert.Equal([0, 3, 5, 7, 9, 8, 2, 1, 4, 6], TokenBatchSampler.Shuffle(10, seed: 42, epoch: 0));
        Assert.Equal([6, 5, 1, 4, 7, 3, 2, 9, 8, 0], TokenBatchSampler.Shuffle(10, seed: 42, epoch: 1));
    }

    [Fact]
    public void A_batch_is_a_pure_function_of_seed_step_rank_and_world_size()
    {
        var first = new TokenBatchSampler(Blocks, GlobalBatch, seed: 5);
        var second = new TokenBatchSampler(Blocks, GlobalBatch, seed: 5);
        // Query the second sampler in a different order so its cache holds other epochs.
        long[] late = second.GetBlockIndices(400, 1, 4);
        Assert.Equal(first.GetBlockIndices(3, 1, 4), second.GetBlockIndices(3, 1, 4));
        Assert.Equal(first.GetBlockIndices(400, 1, 4), late);
        Assert.NotEqual(first.GetBlockIndices(3, 1, 4), new TokenBatchSampler(Blocks, GlobalBatch, seed: 6).GetBlockIndices(3, 1, 4));
        Assert.NotEqual(first.GetBlockIndices(3, 1, 4), first.GetBlockIndices(3 + first.StepsPerEpoch, 1, 4)); // reshuffled per epoch
    }

    [Fact]
    public void The_ranks_of_a_step_partition_the_same_global_batch_at_any_world_size()
    {
        var sampler = new TokenBatchSampler(Blocks, GlobalBatch, seed: 11);
        foreach (long step in new long[] { 0, 1, 30, 31, 32, 95 })
        {
            long[] whole = sampler.GetBlockIndices(step, 0, 1);
            Assert.Equal(GlobalBatch, whole.Length);
            foreach (int world in new[] { 2, 4, 8, 32 })
            {
                long[] union = [.. Enumerable.Range(0, world).SelectMany(rank => sampler.GetBlockIndices(step, rank, world))];
                Assert.Equal(whole, union);
            }
        }
    }

    [Fact]
    public void Within_an_epoch_no_block_repeats_and_all_but_the_remainder_are_served()
    {
        var sampler = new TokenBatchSampler(Blocks, GlobalBatch, seed: 3);
        Assert.Equal(Blocks / GlobalBatch, sampler.StepsPerEpoch);
        foreach (long epoch in new long[] { 0, 1, 2 })
        {
            long[] served = [.. Enumerable.Range(0, (int)sampler.StepsPerEpoch)
                .SelectMany(s => sampler.GetBlockIndices(epoch * sampler.StepsPerEpoch + s, 0, 1))];
            Assert.Equal(sampler.StepsPerEpoch * GlobalBatch, served.Length);
            Assert.Equal(served.Length, served.Distinct().Count());
            Assert.All(served, b => Assert.InRange(b, 0, Blocks - 1));
            Assert.Equal(Blocks % GlobalBatch, Blocks - served.Length);
            Assert.Equal(epoch, sampler.EpochOf(epoch * sampler.StepsPerEpoch));
        }
        int[] order = sampler.GetEpochOrder(0);
        Assert.Equal(Enumerable.Range(0, (int)Blocks), order.Order());
    }

    [Fact]
    public void Resuming_at_any_step_reads_exactly_what_a_run_from_zero_reads_there()
    {
        var fromZero = new TokenBatchSampler(Blocks, GlobalBatch, seed: 9);
        List<long[]> full = [.. Enumerable.Range(0, 80).Select(s => fromZero.GetBlockIndices(s, 1, 2))];
        var resumed = new TokenBatchSampler(Blocks, GlobalBatch, seed: 9);
        List<long[]> tail = [.. Enumerable.Range(57, 23).Select(s => resumed.GetBlockIndices(s, 1, 2))];
        Assert.Equal(full.Skip(57), tail);
    }

    [Fact]
    public void Invalid_shapes_are_rejected_with_both_numbers()
    {
        var sampler = new TokenBatchSampler(Blocks, GlobalBatch, seed: 0);
        var indivisible = Assert.Throws<ArgumentException>(() => sampler.GetBlockIndices(0, 0, 3));
        Assert.Contains("global batch size 32 is not divisible by world size 3", indivisible.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.GetBlockIndices(0, 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.GetBlockIndices(-1, 0, 1));
        var tooBig = Assert.Throws<ArgumentException>(() => new TokenBatchSampler(10, 32, 0));
        Assert.Contains("global batch size 32 exceeds the 10 blocks", tooBig.Message, StringComparison.Ordinal);
    }
}
