using System.Text.Json;
using ActorAI.Abstractions.Artifacts;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>Renders the cluster's artifacts and garbage-collection reports as tables or JSON.</summary>
internal static class ArtifactRendering
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string ToJson(IReadOnlyList<ArtifactInfo> artifacts) => JsonSerializer.Serialize(artifacts, Json);

    public static string ToJson(ArtifactGcReport report) => JsonSerializer.Serialize(report, Json);

    public static void WriteTable(IReadOnlyList<ArtifactInfo> artifacts, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("SHA-256", "Size", "Live copies", "Stores", "Created (UTC)");
        foreach (ArtifactInfo artifact in artifacts)
        {
            table.AddRow(
                artifact.Sha256[..16] + "…",
                Units.FormatBytes(artifact.Size),
                artifact.LiveCopies == 0 ? "[red]0[/]" : artifact.LiveCopies.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(string.Join(",", artifact.Locations.Select(s => s[..8]))),
                ApiKeyRendering.Time(artifact.CreatedAt));
        }
        console.Write(table);
        int under = artifacts.Count(a => a.LiveCopies < Math.Min(2, a.Locations.Count));
        console.WriteLine($"{artifacts.Count} artifacts, {Units.FormatBytes(artifacts.Sum(a => a.Size))}; {under} with fewer live copies than recorded");
    }

    public static async Task WriteReportAsync(ArtifactGcReport report, TextWriter output)
    {
        string verb = report.DryRun ? "would delete" : "deleted";
        await output.WriteLineAsync(
            $"{report.Examined} artifacts examined: {report.Referenced} referenced, {report.Young} younger than the grace period; "
            + $"{verb} {report.Deleted.Count} ({Units.FormatBytes(report.DeletedBytes)}).");
        foreach (string sha in report.Deleted)
        {
            await output.WriteLineAsync($"  {sha}");
        }
    }
}
