using System.CommandLine;
using ActorAI.Abstractions.Training;
using ActorAI.Cli.Rendering;
using ActorAI.Cli.Training;
using ActorAI.Client;

namespace ActorAI.Cli.Commands;

/// <summary><c>actorai jobs list|show|cancel|pause|resume|scale|watch</c>: training jobs on the cluster.</summary>
internal static class JobsCommands
{
    public static Command Create(ConnectionSettings connection, CliEnvironment environment)
    {
        var jobs = new Command("jobs",
            "List, inspect, control and follow the cluster's training jobs.\n"
            + "  actorai jobs list [--json]             every job: status, step, workers, shards, mode, last loss\n"
            + "  actorai jobs show JOB [--json]         spec, last checkpoint, result artifact and recent metrics\n"
            + "  actorai jobs cancel|pause|resume JOB\n"
            + "  actorai jobs scale JOB WORKERS         trainers from the next step (must divide the global batch)\n"
            + "  actorai jobs watch JOB                 follow to the end, as actorai train does");
        jobs.Add(CreateList(connection));
        jobs.Add(CreateShow(connection));
        jobs.Add(CreateControl("cancel", "Stop a job for good at the next step boundary.", connection, (c, id) => c.CancelTrainingJobAsync(id), Cancelled));
        jobs.Add(CreateControl("pause", "Stop a job between steps; `actorai jobs resume` continues it.", connection, (c, id) => c.PauseTrainingJobAsync(id), Paused));
        jobs.Add(CreateControl("resume", "Continue a paused job.", connection, (c, id) => c.ResumeTrainingJobAsync(id), Resumed));
        jobs.Add(CreateScale(connection));
        jobs.Add(CreateWatch(connection, environment));
        return jobs;
    }

    private static Argument<string> JobArgument() => new("job") { Description = $"Training job id ({TrainingJobIds.Rule})." };

    private static Command CreateList(ConnectionSettings connection) =>
        ListCommand.Create(connection, "List every training job: status, step, workers, shards, mode, last loss, last update.",
            (client, ct) => client.ListTrainingJobsAsync(ct), TrainingJobRendering.ToJson, TrainingJobRendering.WriteTable);

    private static Command CreateShow(ConnectionSettings connection)
    {
        Argument<string> job = JobArgument();
        var json = new Option<bool>("--json") { Description = "Print JSON: {job, recentMetrics}." };
        var metrics = new Option<int>("--metrics")
        {
            Description = "Recent steps to show (0 to 1000).",
            DefaultValueFactory = _ => TrainingJobRendering.RecentMetrics,
        };
        var show = new Command("show", "Show a training job: spec, status, last checkpoint, result artifact and recent metrics.") { job, json, metrics };
        show.SetAction(async (parse, ct) =>
        {
            string id = parse.GetValue(job)!;
            int count = parse.GetValue(metrics);
            if (!await CheckJobIdAsync(parse, id) || !await CheckAsync(parse, count is >= 0 and <= 1000, $"{metrics.Name} must be between 0 and 1000 (was {count})."))
            {
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            TrainingJobInfo info = await client.GetTrainingJobAsync(id) ?? throw new TrainingJobNotFoundException(id);
            IReadOnlyList<TrainingMetrics> recent = count == 0 ? [] : await client.GetTrainingMetricsAsync(id, Math.Max(0, info.Step - count), count);
            TextWriter stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(TrainingJobRendering.ToJson(info, recent));
            }
            else
            {
                TrainingJobRendering.WriteDetails(info, recent, stdout);
            }
            return ExitCodes.Ok;
        });
        return show;
    }

    private static Command CreateControl(
        string name, string description, ConnectionSettings connection, Func<ActorAIClient, string, Task<TrainingJobInfo>> call, Func<TrainingJobInfo, string> describe)
    {
        Argument<string> job = JobArgument();
        var command = new Command(name, description) { job };
        command.SetAction(async (parse, ct) =>
        {
            string id = parse.GetValue(job)!;
            if (!await CheckJobIdAsync(parse, id))
            {
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            TrainingJobInfo info = await call(client, id);
            await parse.InvocationConfiguration.Output.WriteLineAsync(describe(info));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateScale(ConnectionSettings connection)
    {
        Argument<string> job = JobArgument();
        var workers = new Argument<int>("workers") { Description = $"Trainers from the next step on (1 to {TrainingJobSpec.MaxWorkers}; must divide the global batch)." };
        var scale = new Command("scale", "Change a job's number of trainers from the next step on; the global batch stays the same.") { job, workers };
        scale.SetAction(async (parse, ct) =>
        {
            string id = parse.GetValue(job)!;
            int count = parse.GetValue(workers);
            if (!await CheckJobIdAsync(parse, id)
                || !await CheckAsync(parse, count is >= 1 and <= TrainingJobSpec.MaxWorkers, $"WORKERS must be between 1 and {TrainingJobSpec.MaxWorkers} (was {count})."))
            {
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            TrainingJobInfo info = await client.ScaleTrainingJobAsync(id, count);
            int rows = info.Spec.GlobalBatchRows;
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"{id}: {count} {(count == 1 ? "worker" : "workers")} from the next step ({rows / count} of {rows} rows each); {State(info)}.");
            return ExitCodes.Ok;
        });
        return scale;
    }

    private static Command CreateWatch(ConnectionSettings connection, CliEnvironment environment)
    {
        Argument<string> job = JobArgument();
        var watch = new Command("watch",
            "Follow a training job until it ends (a live progress bar on a terminal, plain lines in logs). Exit code 0 when it succeeded, "
            + "1 when it failed or was cancelled; Ctrl+C stops following and leaves the job running.") { job };
        watch.SetAction(async (parse, ct) =>
        {
            string id = parse.GetValue(job)!;
            if (!await CheckJobIdAsync(parse, id))
            {
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            TrainingJobInfo info = await client.GetTrainingJobAsync(id) ?? throw new TrainingJobNotFoundException(id);
            TextWriter stderr = parse.InvocationConfiguration.Error;
            return await JobFollower.FollowAsync(
                id,
                client.WatchTrainingJobAsync(id, info.Step, environment.PollInterval, ct),
                TrainingJobDisplay.For(stderr, environment.Time),
                parse.InvocationConfiguration.Output, stderr, ct);
        });
        return watch;
    }

    private static string Cancelled(TrainingJobInfo info) => info.Status switch
    {
        TrainingJobStatus.Cancelled => $"{info.JobId}: cancelled at {Steps(info)}.",
        _ when info.Status.IsTerminal() => $"{info.JobId}: already {State(info)}.",
        _ => $"{info.JobId}: cancel requested; the job stops at the next step boundary (now {State(info)}).",
    };

    private static string Paused(TrainingJobInfo info) => info.Status switch
    {
        TrainingJobStatus.Paused => $"{info.JobId}: paused at {Steps(info)}; continue with `actorai jobs resume {info.JobId}`.",
        _ when info.Status.IsTerminal() => $"{info.JobId}: already {State(info)}.",
        _ => $"{info.JobId}: pause requested; the job stops after the current step (now {State(info)}).",
    };

    private static string Resumed(TrainingJobInfo info) => $"{info.JobId}: {State(info)}.";

    private static string State(TrainingJobInfo info) => $"{TrainingJobRendering.StatusName(info.Status)} at {Steps(info)}";

    private static string Steps(TrainingJobInfo info) => $"step {Units.FormatCount(info.Step)}/{Units.FormatCount(info.Spec.Steps)}";

    private static Task<bool> CheckJobIdAsync(ParseResult parse, string jobId) =>
        CheckAsync(parse, TrainingJobIds.IsValid(jobId), $"JOB: {TrainingJobIds.Problem(jobId)}");

    // One line naming the command and the problem, before anything connects.
    private static async Task<bool> CheckAsync(ParseResult parse, bool ok, string problem)
    {
        if (!ok)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"actorai jobs {parse.CommandResult.Command.Name}: {problem}");
        }
        return ok;
    }
}
