using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;
using ActorAI.Abstractions.Registry;
using ActorAI.Abstractions.Serving;
using ActorAI.Abstractions.Training;
using ActorAI.Cli.Commands;
using ActorAI.Cli.Compute;
using ActorAI.Client;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace ActorAI.Cli;

/// <summary>The <c>actorai</c> command tree and its error handling.</summary>
internal static class CliApp
{
    // No @response-file expansion: a prompt such as "@alice hello" is text, not a file name.
    private static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, stdout, stderr, CliEnvironment.ForThisProcess(), cancellationToken);

    public static Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, ComputeHostLocator computeHost, CancellationToken cancellationToken = default) =>
        RunAsync(args, stdout, stderr, CliEnvironment.ForThisProcess(computeHost), cancellationToken);

    public static async Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var connection = new ConnectionSettings(environment.Connect);
        var root = new RootCommand("actorai — the ActorAI command-line tool: cluster, data, train, jobs, models, deploy, deployments, generate.");
        connection.AddTo(root);
        root.Add(ClusterCommands.Create(connection, stdout));
        root.Add(DataCommands.Create(connection));
        root.Add(TrainCommand.Create(connection, environment));
        root.Add(JobsCommands.Create(connection, environment));
        root.Add(KeysCommands.Create(connection));
        root.Add(ArtifactsCommands.Create(connection));
        root.Add(ModelsCommands.Create(connection));
        root.Add(DeployCommands.CreateDeploy(connection, environment));
        root.Add(DeployCommands.CreateDeployments(connection));
        root.Add(GenerateCommand.Create(connection, environment));

        ParseResult parse = root.Parse(args.Length == 0 ? ["--help"] : args, Parser);
        if (parse.Action is ParseErrorAction)
        {
            // One line per error instead of the errors followed by the whole help text.
            foreach (ParseError error in parse.Errors)
            {
                await stderr.WriteLineAsync($"actorai: {error.Message}");
            }
            await stderr.WriteLineAsync($"Run '{string.Join(" ", [root.Name, .. CommandPath(parse.CommandResult)])} --help' for usage.");
            return ExitCodes.InvalidArguments;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (ClusterUnavailableException ex)
        {
            await stderr.WriteLineAsync($"actorai: {ex.Message}");
            return ExitCodes.ClusterUnavailable;
        }
        catch (TrainingJobException ex)
        {
            // Refused by the client's checks or by the cluster: one line per problem, each naming its field.
            foreach (string error in ex.Errors)
            {
                await stderr.WriteLineAsync($"actorai: {error}");
            }
            return ExitCodes.InvalidArguments;
        }
        catch (TrainingJobNotFoundException ex)
        {
            await stderr.WriteLineAsync($"actorai: {ex.Message.TrimEnd('.')} (`actorai jobs list` shows them all).");
            return ExitCodes.InvalidArguments;
        }
        catch (DatasetException ex)
        {
            await stderr.WriteLineAsync($"actorai: {ex.Message}");
            return ExitCodes.InvalidArguments;
        }
        catch (ArtifactException ex)
        {
            await stderr.WriteLineAsync($"actorai: the artifact store refused or lost a file: {ex.Message}");
            return ExitCodes.ClusterCallFailed;
        }
        catch (ModelRegistryException ex)
        {
            await stderr.WriteLineAsync($"actorai: {ex.Message}");
            return ExitCodes.InvalidArguments;
        }
        catch (DeploymentException ex)
        {
            foreach (string error in ex.Errors.Count > 0 ? ex.Errors : [ex.Message])
            {
                await stderr.WriteLineAsync($"actorai: {error}");
            }
            return ExitCodes.InvalidArguments;
        }
        catch (DeploymentNotFoundException ex)
        {
            await stderr.WriteLineAsync($"actorai: {ex.Message} (`actorai deployments list` shows them all).");
            return ExitCodes.InvalidArguments;
        }
        catch (GenerationRequestException ex)
        {
            await stderr.WriteLineAsync($"actorai: {ex.Message}");
            return ExitCodes.InvalidArguments;
        }
        catch (ServiceOverloadedException ex)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"actorai: {ex.Message.TrimEnd('.')}; retry after {Math.Max(1, Math.Ceiling(ex.RetryAfter.TotalSeconds)):0} s."));
            return ExitCodes.Failure;
        }
        catch (OptionsValidationException ex)
        {
            await stderr.WriteLineAsync($"actorai: invalid options: {string.Join(" ", ex.Failures)}");
            return ExitCodes.InvalidArguments;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            await stderr.WriteLineAsync($"actorai: the cluster call failed: {ex.Message.Split('\n')[0]}");
            return ExitCodes.ClusterCallFailed;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("actorai: cancelled");
            return ExitCodes.Cancelled;
        }
    }

    private static IEnumerable<string> CommandPath(CommandResult? command)
    {
        var names = new Stack<string>();
        for (SymbolResult? result = command; result is CommandResult { Parent: not null } c; result = c.Parent)
        {
            names.Push(c.Command.Name);
        }
        return names;
    }
}
