using System.CommandLine;
using ActorAI.Abstractions.Cluster;
using ActorAI.Abstractions.Diagnostics;
using ActorAI.Cli.Rendering;
using ActorAI.Client;

namespace ActorAI.Cli.Commands;

/// <summary><c>actorai cluster status|ping</c>.</summary>
internal static class ClusterCommands
{
    public static Command Create(ConnectionSettings connection, TextWriter stdout)
    {
        var cluster = new Command("cluster", "Inspect the cluster.");

        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var status = new Command("status", "List every silo with its status and advertised resources.") { json };
        status.SetAction(async (parse, ct) =>
        {
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            IReadOnlyList<SiloInfo> silos = await client.GetSilosAsync();
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(SiloRendering.ToJson(silos));
            }
            else
            {
                SiloRendering.WriteTable(silos, stdout);
            }
            return ExitCodes.Ok;
        });

        var key = new Argument<string>("key") { Description = "Diagnostics grain key.", DefaultValueFactory = _ => "cli" };
        var count = new Option<int>("--count", "-n") { Description = "Number of pings.", DefaultValueFactory = _ => 3 };
        var ping = new Command("ping", "Round-trip a persistent diagnostics grain and show which silo answered.") { key, count };
        ping.SetAction(async (parse, ct) =>
        {
            int n = parse.GetValue(count);
            if (n is < 1 or > 10_000)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"actorai: --count must be between 1 and 10000 (was {n}).");
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            for (int i = 0; i < n; i++)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                PingReply reply = await client.PingAsync(parse.GetValue(key)!);
                TimeSpan elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
                await stdout.WriteLineAsync(
                    $"{reply.Key}: answered by {reply.Silo} in {elapsed.TotalMilliseconds:0.0} ms (ping #{reply.Count} since {reply.FirstPing:u})");
            }
            return ExitCodes.Ok;
        });

        cluster.Add(status);
        cluster.Add(ping);
        return cluster;
    }
}
