using System.Globalization;
using ActorAI.Abstractions.Registry;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>Registered models as tables and details.</summary>
internal static class ModelRendering
{
    /// <summary>One row per model: name, number of versions, latest version, aliases.</summary>
    public static void WriteTable(IReadOnlyList<ModelInfo> models, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        if (models.Count == 0)
        {
            console.WriteLine("No models. Register one with `actorai models register NAME --job JOB_ID`.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Model", "Versions", "Latest", "Aliases");
        table.Columns[1].RightAligned();
        foreach (ModelInfo model in models)
        {
            ModelVersion latest = model.Versions.MaxBy(v => v.Version)!;
            table.AddRow(
                Markup.Escape(model.Name),
                Number(model.Versions.Count),
                Markup.Escape($"v{Number(latest.Version)} ({FormatTime(latest.CreatedAt)})"),
                Markup.Escape(Aliases(model.Aliases)));
        }
        console.Write(table);
        console.WriteLine($"{models.Count} {(models.Count == 1 ? "model" : "models")}");
    }

    /// <summary>A model's versions (created, artifact, tags, lineage, aliases pointing at it), its aliases and their history.</summary>
    public static void WriteDetails(ModelInfo model, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        console.WriteLine($"Model {model.Name}: {model.Versions.Count} {(model.Versions.Count == 1 ? "version" : "versions")}");
        var versions = new Table().Border(TableBorder.Rounded)
            .AddColumns("Version", "Created (UTC)", "Artifact", "Tags", "Job", "Tokenizer", "Loss", "Aliases");
        versions.Columns[0].RightAligned();
        versions.Columns[6].RightAligned();
        foreach (ModelVersion version in model.Versions.OrderBy(v => v.Version))
        {
            ModelLineage lineage = version.Lineage;
            versions.AddRow(
                $"v{Number(version.Version)}",
                FormatTime(version.CreatedAt),
                Markup.Escape(ShortHash(version.Artifact)),
                Markup.Escape(version.Tags.Count == 0 ? "-" : string.Join(", ", version.Tags)),
                Markup.Escape(lineage.TrainingJob ?? "-"),
                Markup.Escape(lineage.Tokenizer ?? "-"),
                lineage.Metrics.TryGetValue("loss", out double loss) ? loss.ToString("0.0000", CultureInfo.InvariantCulture) : "-",
                Markup.Escape(string.Join(", ", model.Aliases.Where(a => a.Value == version.Version).Select(a => a.Key).Order(StringComparer.Ordinal))));
        }
        console.Write(versions);
        console.WriteLine($"Aliases: {(model.Aliases.Count == 0 ? "none" : Aliases(model.Aliases))}");
        if (model.AliasHistory.Count == 0)
        {
            return;
        }
        console.WriteLine("Alias history:");
        foreach (AliasChange change in model.AliasHistory.OrderBy(c => c.At))
        {
            console.WriteLine($"  {FormatTime(change.At)}  {change.Alias} {(change.Version is { } v ? $"→ v{Number(v)}" : "removed")}");
        }
    }

    /// <summary>The line printed after a registration, e.g. <c>Registered fortune v3 (artifact 0123456789ab…) from job train-1.</c></summary>
    public static string Registered(string name, ModelVersion version)
    {
        string source = version.Lineage.TrainingJob is { } job ? $" from job {job}" : "";
        string tags = version.Tags.Count == 0 ? "" : $", tags {string.Join(", ", version.Tags)}";
        return $"Registered {name} v{Number(version.Version)} (artifact {ShortHash(version.Artifact)}{tags}){source}.";
    }

    /// <summary>Aliases as <c>production → v2, staging → v3</c>, sorted by name.</summary>
    public static string Aliases(IReadOnlyDictionary<string, int> aliases) =>
        aliases.Count == 0 ? "-" : string.Join(", ", aliases.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} → v{Number(a.Value)}"));

    // The first 12 hex digits of a SHA-256, as git abbreviates commits.
    public static string ShortHash(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
