using System.Diagnostics;
using ActorAI.Abstractions;
using ActorAI.Abstractions.Catalog;
using ActorAI.Abstractions.Training;
using ActorAI.Client;
using ActorAI.Grains.Catalog;
using ActorAI.Grains.Tests.Training;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace ActorAI.Grains.Tests.Catalog;

[Collection(ClusterCollection.Name)]
public sealed class TrainingJobCatalogTests(ClusterFixture fixture)
{
    private ActorAIClient Client => ActorAIClient.Create(fixture.Cluster.Client);

    [Fact]
    public async Task QueriesPageNewestFirstAcrossPartitionsWithFilters()
    {
        string prefix = $"page-{Guid.NewGuid():N}";
        await SeedAsync(prefix, 60);

        TrainingJobPage first = await Client.QueryTrainingJobsAsync(new TrainingJobQuery(0, 25, Text: prefix));
        TrainingJobPage last = await Client.QueryTrainingJobsAsync(new TrainingJobQuery(50, 25, Text: prefix));
        TrainingJobPage running = await Client.QueryTrainingJobsAsync(new TrainingJobQuery(0, 5, TrainingJobStatus.Running, prefix.ToUpperInvariant()));

        Assert.Equal(60, first.Total);
        Assert.Equal([.. Enumerable.Range(0, 25).Select(i => $"{prefix}-{59 - i:D2}")], first.Items.Select(j => j.JobId));
        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => $"{prefix}-{9 - i:D2}")], last.Items.Select(j => j.JobId));
        Assert.Equal(20, running.Total);
        Assert.Equal(5, running.Items.Count);
        Assert.All(running.Items, j => Assert.Equal(TrainingJobStatus.Running, j.Status));
        Assert.True(Enumerable.Range(0, TrainingJobCatalog.Partitions).Count(p =>
            first.Items.Concat(last.Items).Any(j => TrainingJobCatalog.PartitionOf(j.JobId) == p)) > 8, "the jobs spread over the partitions");
    }

    [Fact]
    public async Task AnOlderSummaryNeverReplacesANewerOne()
    {
        string id = $"order-{Guid.NewGuid():N}";
        ITrainingJobCatalogGrain partition = Partition(id);
        TrainingJobSummary newer = Summary(id, TrainingJobStatus.Succeeded, DateTimeOffset.UnixEpoch.AddHours(2));
        await partition.UpsertAsync(newer);
        await partition.UpsertAsync(newer with { Status = TrainingJobStatus.Running, UpdatedAt = DateTimeOffset.UnixEpoch.AddHours(1) });

        TrainingJobPage page = await partition.QueryAsync(new TrainingJobQuery(Text: id));
        Assert.Equal(TrainingJobStatus.Succeeded, Assert.Single(page.Items).Status);
    }

    [Fact]
    public async Task AJobInTheWrongPartitionIsRefused()
    {
        string id = $"wrong-{Guid.NewGuid():N}";
        int other = (TrainingJobCatalog.PartitionOf(id) + 1) % TrainingJobCatalog.Partitions;
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Cluster.GrainFactory.GetGrain<ITrainingJobCatalogGrain>(other).UpsertAsync(Summary(id, TrainingJobStatus.Running, DateTimeOffset.UnixEpoch)));
        Assert.Contains(id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SummariesSurviveDeactivation()
    {
        string prefix = $"persist-{Guid.NewGuid():N}";
        await SeedAsync(prefix, 20);
        foreach (int p in Enumerable.Range(0, TrainingJobCatalog.Partitions))
        {
            await Management.DeactivateGrain(fixture.Cluster.GrainFactory.GetGrain<ITrainingJobCatalogGrain>(p).GetGrainId());
        }

        TrainingJobPage page = await Client.QueryTrainingJobsAsync(new TrainingJobQuery(0, 100, Text: prefix));
        Assert.Equal(20, page.Total);
    }

    [Fact]
    public async Task ARealJobIsPublishedAndAJobFromBeforeTheCatalogIsBackfilled()
    {
        string id = $"catalog-{Guid.NewGuid():N}";
        ITrainingJobGrain job = fixture.Cluster.GrainFactory.GetGrain<ITrainingJobGrain>(id);
        await job.SubmitAsync(new TrainingJobSpec("tiny", TrainingDataset.Directory, Steps: 3, GlobalBatchRows: 4, Workers: 2, ParameterShards: 2, WarmupSteps: 1));
        Assert.Equal(TrainingJobStatus.Succeeded, (await TrainingJobWaits.WaitForEndAsync(job)).Status);
        TrainingJobSummary published = await WaitForSummaryAsync(id, s => s.Status == TrainingJobStatus.Succeeded);
        Assert.Equal(3, published.Step);
        Assert.Equal("tiny", published.Model);
        (IReadOnlyList<TrainingJobEvent> events, int total) = await fixture.Cluster.GrainFactory.GetGrain<ITrainingJobEventsGrain>(id).GetAsync(10);
        Assert.StartsWith("succeeded", events[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("submitted: 3 steps of tiny", events[^1].Message, StringComparison.Ordinal);
        Assert.Equal(total, events.Count);

        // As if the catalog had never existed: its partition's state is gone; the job is only in the name index.
        ITrainingJobCatalogGrain partition = Partition(id);
        IGrainStorage storage = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost!.Services.GetRequiredKeyedService<IGrainStorage>(ProviderNames.GrainStorage);
        var state = new GrainState<TrainingJobCatalogState>(new TrainingJobCatalogState());
        await storage.ReadStateAsync("jobcatalog", partition.GetGrainId(), state);
        Assert.True(state.RecordExists);
        await storage.ClearStateAsync("jobcatalog", partition.GetGrainId(), state);
        await Management.DeactivateGrain(partition.GetGrainId());

        TrainingJobSummary backfilled = await WaitForSummaryAsync(id, _ => true);
        Assert.Equal(TrainingJobStatus.Succeeded, backfilled.Status);
        Assert.Equal(3, backfilled.Step);
    }

    private IManagementGrain Management => fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);

    private ITrainingJobCatalogGrain Partition(string id) =>
        fixture.Cluster.GrainFactory.GetGrain<ITrainingJobCatalogGrain>(TrainingJobCatalog.PartitionOf(id));

    private async Task SeedAsync(string prefix, int count)
    {
        TrainingJobSummary[] jobs = [.. Enumerable.Range(0, count).Select(i => Summary(
            $"{prefix}-{i:D2}", i % 3 == 0 ? TrainingJobStatus.Running : TrainingJobStatus.Succeeded, DateTimeOffset.UnixEpoch.AddMinutes(i)))];
        await Task.WhenAll(jobs.GroupBy(j => TrainingJobCatalog.PartitionOf(j.JobId))
            .Select(g => fixture.Cluster.GrainFactory.GetGrain<ITrainingJobCatalogGrain>(g.Key).UpsertManyAsync([.. g])));
    }

    private async Task<TrainingJobSummary> WaitForSummaryAsync(string id, Func<TrainingJobSummary, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            TrainingJobPage page = await Client.QueryTrainingJobsAsync(new TrainingJobQuery(Text: id));
            if (page.Items.FirstOrDefault(j => j.JobId == id) is { } summary && condition(summary))
            {
                return summary;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"job {id} did not reach the catalog as expected: {page.Items.FirstOrDefault()}");
            await Task.Delay(50); // polling interval of an awaited condition, not a synchronization
        }
    }

    private static TrainingJobSummary Summary(string id, TrainingJobStatus status, DateTimeOffset submitted) =>
        new(id, status, submitted, submitted, 10, 100, 2.5, 2, "tiny", "corpus@1", null);
}
