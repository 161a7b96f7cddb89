using System.CommandLine;
using ActorAI.Cli.Commands;
using ActorAI.Client;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace ActorAI.Cli;

/// <summary>The <c>actorai</c> command tree and its error handling.</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var connection = new ConnectionSettings();
        var root = new RootCommand("actorai — the ActorAI command-line tool: cluster, data, train, models, deploy, generate.");
        connection.AddTo(root);
        root.Add(ClusterCommands.Create(connection, stdout));

        ParseResult parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (ClusterUnavailableException ex)
        {
            await stderr.WriteLineAsync($"actorai: {ex.Message}");
            return ExitCodes.ClusterUnavailable;
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
    }
}
