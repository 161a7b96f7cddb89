using System.CommandLine;
using System.Globalization;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Cli.Rendering;
using ActorAI.Client;

namespace ActorAI.Cli.Commands;

/// <summary><c>actorai artifacts list|gc</c>: the cluster's content-addressed artifact store.</summary>
internal static class ArtifactsCommands
{
    public static Command Create(ConnectionSettings connection)
    {
        var artifacts = new Command("artifacts",
            "The cluster's artifact store (checkpoints, weights, datasets, tokenizer files), replicated across silos.\n"
            + "  actorai artifacts list [--json]                        hash, size, live copies, stores\n"
            + "  actorai artifacts gc [--grace 1h] [--dry-run] [--json]  delete what nothing references");
        artifacts.Add(ListCommand.Create(connection, "List every artifact: hash, size, live copies, the stores holding it.",
            (client, ct) => client.ListArtifactsAsync(ct), ArtifactRendering.ToJson, ArtifactRendering.WriteTable));
        artifacts.Add(CreateGc(connection));
        return artifacts;
    }

    private static Command CreateGc(ConnectionSettings connection)
    {
        var grace = new Option<string?>("--grace")
        {
            Description = "Keep unreferenced artifacts younger than this (e.g. 30s, 10m, 1h, 2d). Default: the silos' Artifacts:GarbageGracePeriod.",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Report what would be deleted; delete nothing." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var gc = new Command("gc",
            "Delete artifacts that no model version, dataset or retained checkpoint references and that are older than the grace period.")
        {
            grace, dryRun, json,
        };
        gc.SetAction(async (parse, ct) =>
        {
            TimeSpan? period = null;
            if (parse.GetValue(grace) is { } text)
            {
                if (ParseDuration(text) is not { } parsed)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync(
                        $"actorai artifacts gc: --grace must be a non-negative duration such as 30s, 10m, 1h or 2d (was '{text}').");
                    return ExitCodes.InvalidArguments;
                }
                period = parsed;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            ArtifactGcReport report = await client.CollectArtifactGarbageAsync(period, parse.GetValue(dryRun), ct);
            TextWriter stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(ArtifactRendering.ToJson(report));
            }
            else
            {
                await ArtifactRendering.WriteReportAsync(report, stdout);
            }
            return ExitCodes.Ok;
        });
        return gc;
    }

    /// <summary>A duration written as a number with a unit (s, m, h, d), or a .NET time span (<c>01:00:00</c>).</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && value >= 0 && double.IsFinite(value))
        {
            TimeSpan? span = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                'd' => TimeSpan.FromDays(value),
                _ => null,
            };
            if (span is not null)
            {
                return span;
            }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan parsed) && parsed >= TimeSpan.Zero ? parsed : null;
    }
}
