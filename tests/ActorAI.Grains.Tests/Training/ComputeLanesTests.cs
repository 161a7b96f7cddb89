using ActorAI.Abstractions.Training;
using ActorAI.Grains.Training;
using TorchSharp;

namespace ActorAI.Grains.Tests.Training;

/// <summary>A job's intra-op thread count applies to its own compute and is bounded by the silo's cores.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ComputeLanesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ALaneAppliesTheJobsThreadCountOnlyWhileItsWorkRuns()
    {
        var lanes = new ComputeLanes();
        int silo = lanes.DefaultThreads;
        int asked = silo == 1 ? 2 : 1;

        int during = await lanes.RunAsync(torch.get_num_threads, asked);
        int unset = await lanes.RunAsync(torch.get_num_threads);

        Assert.Equal(asked, during);
        Assert.Equal(silo, unset);
        // The default a thread adopts on its first parallel op is the silo's again (a trainer that called
        // torch.set_num_threads left its job's count there for every thread that came after).
        Assert.Equal(silo, OnFreshThread(torch.get_num_threads));
    }

    [Fact]
    public async Task ALaneClampsTheThreadCountToTheCores()
    {
        var lanes = new ComputeLanes();

        int during = await lanes.RunAsync(torch.get_num_threads, lanes.Cores + 5);

        Assert.Equal(lanes.Cores, during);
    }

    [Fact]
    public async Task MoreThreadsThanTheSilosCoresAreRefusedNamingTheFieldAndTheLimit()
    {
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>($"threads-{Guid.NewGuid():N}");
        int cores = ClusterFixture.Resources.CpuCores;

        var error = await Assert.ThrowsAsync<TrainingJobException>(() => job.SubmitAsync(new TrainingJobSpec(
            "tiny", TrainingDataset.Directory, Steps: 2, GlobalBatchRows: 4, WarmupSteps: 1, IntraOpThreads: cores + 1)));

        Assert.Contains(error.Errors, e => e.StartsWith("IntraOpThreads", StringComparison.Ordinal) && e.Contains($"at most {cores}", StringComparison.Ordinal));
    }

    private static int OnFreshThread(Func<int> read)
    {
        int value = 0;
        var thread = new Thread(() => value = read());
        thread.Start();
        thread.Join();
        return value;
    }
}
