using System.CommandLine;
using ActorAI.Abstractions.Datasets;
using ActorAI.Abstractions.Training;
using ActorAI.Cli.Rendering;
using ActorAI.Cli.Training;
using ActorAI.Client;

namespace ActorAI.Cli.Commands;

/// <summary>
/// <c>actorai train</c>: submit a training job to the cluster and follow it, or with <c>--local</c> train on this
/// machine through actorai-compute (the tokens after <c>train</c> go there unchanged).
/// </summary>
internal static class TrainCommand
{
    private const string Prefix = "actorai train";

    public static Command Create(ConnectionSettings connection, CliEnvironment environment)
    {
        var arguments = new TrainArguments();
        var train = new Command("train",
            "Train a language model on a prepared dataset: on the cluster, followed with a live progress bar until it ends, or on this machine with --local.\n"
            + "  actorai train --data NAME[@N]|DIR [--preset small] [--steps N] [--global-batch G] [--workers K] [--shards S] [--async [--staleness N]]\n"
            + "                [--stages S [--micro-batches M]] [--checkpoint-interval N] [--eval-interval N --eval-batches N] [--lr --min-lr --warmup --weight-decay --clip --seed --threads] [--job-id ID] [--detach]\n"
            + "  actorai train --local --data DIR [actorai-compute train options]\n"
            + "Exit codes: 0 succeeded, 1 failed or cancelled, 2 invalid options, 3 cluster unreachable, 130 stopped following (the job keeps running).");
        arguments.AddTo(train);
        // The tokens of --local go to actorai-compute; on the cluster path unmatched tokens are reported below.
        train.TreatUnmatchedTokensAsErrors = false;
        train.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(arguments.Local))
            {
                if (parse.GetValue(arguments.Data) is { } data && !DatasetNames.IsPath(data) && !Directory.Exists(data) && !File.Exists(data))
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync(
                        $"{Prefix}: {arguments.Data.Name}: {arguments.Local.Name} trains on this machine and needs a prepared directory; '{data}' is none here "
                        + "(a pushed dataset trains on the cluster: drop --local)");
                    return ExitCodes.InvalidArguments;
                }
                IReadOnlyList<string> local = TrainArguments.LocalArguments(parse, [arguments.Local, .. connection.All]);
                return await ComputeCommands.RunAsync(environment.ComputeHost, parse, ["train", .. local], ct);
            }
            return await SubmitAsync(parse, arguments, connection, environment, ct);
        });
        return train;
    }

    private static async Task<int> SubmitAsync(
        ParseResult parse, TrainArguments arguments, ConnectionSettings connection, CliEnvironment environment, CancellationToken cancellationToken)
    {
        TextWriter stdout = parse.InvocationConfiguration.Output;
        TextWriter stderr = parse.InvocationConfiguration.Error;
        TrainingJobSpec spec = arguments.ToSpec(parse);
        string jobId = arguments.ReadJobId(parse, environment.Time);
        var problems = new List<string>(arguments.Validate(parse, spec, jobId));
        if (parse.UnmatchedTokens.Count > 0)
        {
            problems.Add($"unrecognized {string.Join(" ", parse.UnmatchedTokens)} (actorai-compute's other options need {arguments.Local.Name})");
        }
        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                await stderr.WriteLineAsync($"{Prefix}: {problem}");
            }
            return ExitCodes.InvalidArguments;
        }
        if (DatasetNames.IsPath(spec.Dataset) && !Directory.Exists(spec.Dataset) && !File.Exists(spec.Dataset))
        {
            // The silos read the dataset, not this machine, so this is not an error.
            await stderr.WriteLineAsync($"{Prefix}: note: {spec.Dataset} does not exist on this machine; every silo must be able to read it.");
        }

        await using ActorAIClient client = await connection.ConnectAsync(parse, cancellationToken);
        TrainingJobInfo info = await client.SubmitTrainingJobAsync(jobId, spec);
        await stdout.WriteLineAsync(
            $"Submitted training job {jobId}: {spec.Model}, {Units.FormatCount(spec.Steps)} steps of {Units.FormatCount(spec.GlobalBatchRows)} rows "
            + $"over {spec.Workers} {(spec.Workers == 1 ? "worker" : "workers")} and {spec.ParameterShards} parameter {(spec.ParameterShards == 1 ? "shard" : "shards")}, "
            + (spec.Stages > 1 ? $"each worker a pipeline of {spec.Stages} stages, " : "")
            + (spec.Mode == TrainingMode.Asynchronous ? $"asynchronous (staleness {spec.Staleness})." : "synchronous."));
        if (info.Spec is { } submitted && submitted.Dataset != spec.Dataset)
        {
            await stdout.WriteLineAsync($"Dataset {spec.Dataset} is pinned to {submitted.Dataset}: a newer version does not change this job.");
        }
        if (parse.GetValue(arguments.Detach))
        {
            await stdout.WriteLineAsync($"Follow it with `actorai jobs watch {jobId}`.");
            return ExitCodes.Ok;
        }
        await stdout.FlushAsync(cancellationToken);
        return await JobFollower.FollowAsync(
            jobId,
            client.WatchTrainingJobAsync(jobId, info.Step, environment.PollInterval, cancellationToken),
            TrainingJobDisplay.For(stderr, environment.Time),
            stdout, stderr, cancellationToken);
    }
}
