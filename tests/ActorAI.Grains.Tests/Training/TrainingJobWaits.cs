using System.Diagnostics;
using ActorAI.Abstractions.Training;

namespace ActorAI.Grains.Tests.Training;

/// <summary>Awaited conditions on a training job (polled; tolerant of the job grain moving after a silo loss).</summary>
internal static class TrainingJobWaits
{
    public static async Task WaitForStepAsync(ITrainingJobGrain job, long step, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        TrainingJobInfo info = await job.GetAsync();
        while (info.Step < step)
        {
            Assert.True(clock.Elapsed < (timeout ?? TimeSpan.FromMinutes(2)) && info.Status == TrainingJobStatus.Running,
                $"step {step} not reached: {info.Status} at {info.Step} {info.Reason}");
            await Task.Delay(20);
            info = await job.GetAsync();
        }
    }

    public static async Task<TrainingJobInfo> WaitForEndAsync(ITrainingJobGrain job, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromMinutes(3);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                TrainingJobInfo info = await job.GetAsync().WaitAsync(TimeSpan.FromSeconds(5));
                if (info.Status is not (TrainingJobStatus.Running or TrainingJobStatus.Pending))
                {
                    return info;
                }
            }
            catch (Exception ex) when (ex is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException && clock.Elapsed < limit)
            {
                // The job grain may have lived on a lost silo; it reactivates on the next call.
            }
            Assert.True(clock.Elapsed < limit, "the job did not end in time");
            await Task.Delay(50);
        }
    }
}
