using System.CommandLine;
using ActorAI.Client;

namespace ActorAI.Cli.Commands;

/// <summary>The <c>list</c> subcommand shape shared by command groups: fetch every item, print a table or <c>--json</c>.</summary>
internal static class ListCommand
{
    public static Command Create<T>(
        ConnectionSettings connection,
        string description,
        Func<ActorAIClient, CancellationToken, Task<IReadOnlyList<T>>> fetch,
        Func<IReadOnlyList<T>, string> toJson,
        Action<IReadOnlyList<T>, TextWriter> writeTable)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var list = new Command("list", description) { json };
        list.SetAction(async (parse, ct) =>
        {
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            IReadOnlyList<T> items = await fetch(client, ct);
            TextWriter stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(toJson(items));
            }
            else
            {
                writeTable(items, stdout);
            }
            return ExitCodes.Ok;
        });
        return list;
    }
}
