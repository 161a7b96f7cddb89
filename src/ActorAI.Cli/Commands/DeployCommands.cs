using System.CommandLine;
using System.Globalization;
using ActorAI.Abstractions.Serving;
using ActorAI.Cli.Rendering;
using ActorAI.Cli.Serving;
using ActorAI.Client;

namespace ActorAI.Cli.Commands;

/// <summary><c>actorai deploy NAME --model M@ALIAS ...</c> and <c>actorai deployments list|show|delete</c>.</summary>
internal static class DeployCommands
{
    /// <summary>How long <c>actorai deploy</c> waits for a ready replica when <c>--timeout</c> is not given.</summary>
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromMinutes(5);

    public static Command CreateDeploy(ConnectionSettings connection, CliEnvironment environment)
    {
        Argument<string> name = NameArgument();
        var model = new Option<string>("--model")
        {
            Description = "Model to serve: NAME (latest), NAME@VERSION or NAME@ALIAS (followed: replicas roll over when the alias moves).",
            HelpName = "M[@VERSION|@ALIAS]",
            Required = true,
        };
        var replicas = new Option<int?>("--replicas") { Description = "Run exactly N replicas (sets the minimum and the maximum).", HelpName = "N" };
        var minReplicas = new Option<int?>("--min-replicas") { Description = "Fewest replicas; 0 scales to zero when idle. Default 1.", HelpName = "A" };
        var maxReplicas = new Option<int?>("--max-replicas") { Description = "Most replicas the autoscaler runs. Default 1 (or the minimum).", HelpName = "B" };
        var target = new Option<double?>("--target-outstanding")
        {
            Description = "Autoscale: add a replica above this many outstanding requests per replica. Default 8.",
            HelpName = "X",
        };
        var canary = new Option<string?>("--canary") { Description = "A second version (number or alias) of the same model taking a share of the traffic.", HelpName = "VERSION" };
        var canaryPercent = new Option<int?>("--canary-percent") { Description = "Share of requests the canary receives, 1 to 99.", HelpName = "P" };
        var maxBatch = new Option<int?>("--max-batch") { Description = $"Sequences a replica decodes together (1 to {DeploymentSpec.MaxBatchLimit}). Default 32.", HelpName = "N" };
        var maxQueue = new Option<int?>("--max-queue") { Description = $"Requests a replica queues before refusing more (0 to {DeploymentSpec.MaxQueueLimit}). Default 128.", HelpName = "N" };
        var maxBatchedTokens = new Option<int?>("--max-batched-tokens")
        {
            Description = $"Tokens one engine step runs, decodes and prefill chunks together (--max-batch to {DeploymentSpec.MaxBatchedTokensLimit}). "
                + $"Default {DeploymentSpec.DefaultMaxBatchedTokens}.",
            HelpName = "N",
        };
        var blockSize = new Option<int?>("--block-size")
        {
            Description = $"Positions per KV-cache block (1 to {DeploymentSpec.MaxBlockSizeLimit}). Default {DeploymentSpec.DefaultBlockSize}.",
            HelpName = "N",
        };
        var kvCacheTokens = new Option<int?>("--kv-cache-tokens")
        {
            Description = $"A replica's KV-cache budget in token positions (--block-size to {DeploymentSpec.MaxKvCacheTokensLimit}). "
                + "Default: max batch × the model's context.",
            HelpName = "N",
        };
        var prefixCaching = new Option<bool?>("--prefix-caching")
        {
            Description = "Reuse the KV cache of identical prompt prefixes, per API key: true or false. Default true.",
            HelpName = "BOOL",
        };
        var stages = new Option<int?>("--stages")
        {
            Description = $"Pipeline stages each replica's model is split into, one model shard per silo (1 to {DeploymentSpec.MaxStages}). "
                + "Default: the fewest whose memory fits the silos.",
            HelpName = "S",
        };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the spec is applied instead of waiting for a ready replica." };
        var deploy = new Command("deploy",
            "Create or update a deployment, wait until a replica serves, and print its replicas:\n"
            + "  actorai deploy NAME --model M[@VERSION|@ALIAS] [--replicas N | --min-replicas A --max-replicas B] [--target-outstanding X]\n"
            + "                 [--canary VERSION --canary-percent P] [--max-batch N] [--max-queue N] [--no-wait] [--timeout SECONDS]\n"
            + "                 [--max-batched-tokens N] [--block-size N] [--kv-cache-tokens N] [--prefix-caching true|false] [--stages S]\n"
            + $"--timeout also bounds the wait for readiness (default {DefaultReadyTimeout.TotalSeconds:0} s for it).")
        {
            name, model, replicas, minReplicas, maxReplicas, target, canary, canaryPercent, maxBatch, maxQueue,
            maxBatchedTokens, blockSize, kvCacheTokens, prefixCaching, stages, noWait,
        };
        deploy.SetAction(async (parse, ct) =>
        {
            string deployment = parse.GetValue(name)!;
            var arguments = new DeployArguments(
                parse.GetValue(model)!, parse.GetValue(replicas), parse.GetValue(minReplicas), parse.GetValue(maxReplicas), parse.GetValue(target),
                parse.GetValue(canary), parse.GetValue(canaryPercent), parse.GetValue(maxBatch), parse.GetValue(maxQueue),
                parse.GetValue(maxBatchedTokens), parse.GetValue(blockSize), parse.GetValue(kvCacheTokens), parse.GetValue(prefixCaching),
                parse.GetValue(stages));
            (DeploymentSpec? spec, IReadOnlyList<string> errors) = arguments.ToSpec();
            if (!DeploymentNames.IsValid(deployment))
            {
                errors = [NameProblem(deployment), .. errors];
            }
            if (spec is null || errors.Count > 0)
            {
                foreach (string error in errors)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"actorai deploy: {error}");
                }
                return ExitCodes.InvalidArguments;
            }

            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            DeploymentInfo applied = await client.DeployAsync(deployment, spec).WaitAsync(ct);
            TextWriter stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(noWait))
            {
                await stdout.WriteLineAsync($"Deployment {deployment} applied: {DeploymentRendering.ModelOf(applied)}, {DeploymentRendering.StatusName(applied.Status)}; "
                    + $"`actorai deployments show {deployment}` follows it.");
                DeploymentRendering.WriteReplicas(applied, stdout);
                return ExitCodes.Ok;
            }
            TimeSpan timeout = parse.GetResult(connection.Timeout) is { Implicit: false } ? TimeSpan.FromSeconds(parse.GetValue(connection.Timeout)) : DefaultReadyTimeout;
            return await WaitUntilReadyAsync(client, deployment, timeout, environment, stdout, parse.InvocationConfiguration.Error, ct);
        });
        return deploy;
    }

    public static Command CreateDeployments(ConnectionSettings connection)
    {
        var deployments = new Command("deployments",
            "List, inspect and delete deployments (create or change one with `actorai deploy`).\n"
            + "  actorai deployments list          every deployment: model, status, versions, replicas\n"
            + "  actorai deployments show NAME     spec, status, last error and replicas\n"
            + "  actorai deployments delete NAME   drain and remove it");
        deployments.Add(CreateList(connection));
        deployments.Add(CreateShow(connection));
        deployments.Add(CreateDelete(connection));
        return deployments;
    }

    // Polls (rather than WaitForDeploymentAsync) so each change of state is shown as it happens.
    private static async Task<int> WaitUntilReadyAsync(
        ActorAIClient client, string name, TimeSpan timeout, CliEnvironment environment, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        TimeProvider time = environment.Time;
        long start = time.GetTimestamp();
        string? shown = null;
        while (true)
        {
            DeploymentInfo info = await client.GetDeploymentAsync(name).WaitAsync(ct) ?? throw new DeploymentNotFoundException(name);
            string line = DeploymentRendering.ProgressLine(info);
            if (line != shown)
            {
                await stderr.WriteLineAsync(line);
                shown = line;
            }
            switch (info.Status)
            {
                case DeploymentStatus.Ready:
                    await stdout.WriteLineAsync($"Deployment {name} is ready: {DeploymentRendering.ModelOf(info)} → {DeploymentRendering.Serving(info)}, "
                        + $"{DeploymentRendering.ReplicaSummary(info)}.");
                    DeploymentRendering.WriteReplicas(info, stdout);
                    return ExitCodes.Ok;
                case DeploymentStatus.Idle:
                    await stdout.WriteLineAsync($"Deployment {name} is scaled to zero: {DeploymentRendering.ModelOf(info)}; the first request starts a replica.");
                    return ExitCodes.Ok;
                case DeploymentStatus.Failed:
                    await stderr.WriteLineAsync($"actorai deploy: deployment {name} failed: {info.LastError ?? "no error recorded"}");
                    DeploymentRendering.WriteReplicas(info, stdout);
                    return ExitCodes.Failure;
            }
            if (time.GetElapsedTime(start) >= timeout)
            {
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"actorai deploy: {name} was not ready within {timeout.TotalSeconds:0} s ({DeploymentRendering.StatusName(info.Status)}); "
                    + $"it keeps starting: `actorai deployments show {name}`."));
                return ExitCodes.Failure;
            }
            await Task.Delay(environment.PollInterval, time, ct);
        }
    }

    private static Argument<string> NameArgument() =>
        new("name") { Description = $"Deployment name: 1-{DeploymentNames.MaxLength} letters, digits, '-', '_' or '.', starting with a letter or digit." };

    private static string NameProblem(string name) =>
        $"NAME: '{name}' is not a valid deployment name (1-{DeploymentNames.MaxLength} letters, digits, '-', '_' or '.', starting with a letter or digit)";

    private static Command CreateList(ConnectionSettings connection)
    {
        var list = new Command("list", "List every deployment: model, status, versions served, replicas, last update.");
        list.SetAction(async (parse, ct) =>
        {
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            DeploymentRendering.WriteTable(await client.ListDeploymentsAsync(ct), parse.InvocationConfiguration.Output);
            return ExitCodes.Ok;
        });
        return list;
    }

    private static Command CreateShow(ConnectionSettings connection)
    {
        Argument<string> name = NameArgument();
        var show = new Command("show", "Show a deployment: spec, status, versions, last error and replicas.") { name };
        show.SetAction(async (parse, ct) =>
        {
            string deployment = parse.GetValue(name)!;
            if (!await CheckNameAsync(parse, deployment))
            {
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            DeploymentInfo info = await client.GetDeploymentAsync(deployment).WaitAsync(ct) ?? throw new DeploymentNotFoundException(deployment);
            DeploymentRendering.WriteDetails(info, parse.InvocationConfiguration.Output);
            return ExitCodes.Ok;
        });
        return show;
    }

    private static Command CreateDelete(ConnectionSettings connection)
    {
        Argument<string> name = NameArgument();
        var delete = new Command("delete", "Drain a deployment's replicas (running requests finish) and remove it.") { name };
        delete.SetAction(async (parse, ct) =>
        {
            string deployment = parse.GetValue(name)!;
            if (!await CheckNameAsync(parse, deployment))
            {
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            await client.DeleteDeploymentAsync(deployment).WaitAsync(ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Deleted deployment {deployment}.");
            return ExitCodes.Ok;
        });
        return delete;
    }

    private static async Task<bool> CheckNameAsync(ParseResult parse, string name)
    {
        if (DeploymentNames.IsValid(name))
        {
            return true;
        }
        await parse.InvocationConfiguration.Error.WriteLineAsync($"actorai deployments {parse.CommandResult.Command.Name}: {NameProblem(name)}");
        return false;
    }
}
