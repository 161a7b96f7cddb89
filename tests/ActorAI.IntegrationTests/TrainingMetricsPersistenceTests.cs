using ActorAI.Abstractions.Training;
using ActorAI.Grains.Tests.Training;
using ActorAI.IntegrationTests.Infrastructure;
using Npgsql;
using Orleans.TestingHost;

namespace ActorAI.IntegrationTests;

/// <summary>A job's metrics history lives in pages of their own in PostgreSQL: the job's row stays small, and the history reads back after a restart.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TrainingMetricsPersistenceTests(PostgresFixture postgres)
{
    [Fact]
    public async Task TheJobRowStaysSmallAndMetricsReadAcrossPagesAfterTheClusterRestarts()
    {
        const int steps = 130; // two pages of 100
        string serviceId = $"svc-{Guid.NewGuid():N}";
        string artifacts = PostgresTestCluster.NewArtifactDirectory();
        string jobId = $"metrics-{Guid.NewGuid():N}";
        var spec = new TrainingJobSpec("tiny", TrainingDataset.Directory, Steps: steps, GlobalBatchRows: 2, Workers: 1, ParameterShards: 1,
            WarmupSteps: 1, Seed: 9, IntraOpThreads: 1);

        int early, late;
        TrainingJobInfo done;
        TestCluster first = await PostgresTestCluster.StartAsync(postgres, 1, artifacts, serviceId);
        try
        {
            ITrainingJobGrain job = first.Client.GetGrain<ITrainingJobGrain>(jobId);
            await job.SubmitAsync(spec);
            await TrainingJobWaits.WaitForStepAsync(job, 10);
            early = await JobRowBytesAsync(serviceId, jobId);
            done = await TrainingJobWaits.WaitForEndAsync(job);
            late = await JobRowBytesAsync(serviceId, jobId);
        }
        finally
        {
            await first.StopAllSilosAsync();
            await first.DisposeAsync();
        }

        TestCluster second = await PostgresTestCluster.StartAsync(postgres, 1, artifacts, serviceId);
        try
        {
            ITrainingJobGrain job = second.Client.GetGrain<ITrainingJobGrain>(jobId);
            IReadOnlyList<TrainingMetrics> all = await job.GetMetricsAsync(0, 1000);
            IReadOnlyList<TrainingMetrics> acrossPages = await job.GetMetricsAsync(95, 10);

            Assert.Equal(TrainingJobStatus.Succeeded, done.Status);
            Assert.Equal(0, done.Recoveries);
            Assert.Equal(Enumerable.Range(1, steps).Select(s => (long)s), all.Select(m => m.Step));
            Assert.Equal(Enumerable.Range(96, 10).Select(s => (long)s), acrossPages.Select(m => m.Step));
            Assert.Equal(steps, (await job.GetAsync()).LastMetrics?.Step);
            // 120 more steps of history (about 100 bytes each) did not land in the job's row.
            Assert.True(late - early < 512, $"the job's row grew from {early} to {late} bytes over {steps - 10} steps");
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
        }
    }

    private async Task<int> JobRowBytesAsync(string serviceId, string jobId)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT length(payloadbinary) FROM orleansstorage WHERE serviceid = @service AND grainidextensionstring = @job", connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("job", jobId);
        return (int)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no row for job {jobId}"));
    }
}
