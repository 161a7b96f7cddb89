using System.Globalization;
using System.Text.Json;
using ActorAI.Abstractions.Datasets;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>Named datasets as tables, details and JSON.</summary>
internal static class DatasetRendering
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string ToJson(IReadOnlyList<DatasetInfo> datasets) => JsonSerializer.Serialize(datasets, Json);

    public static string ToJson(DatasetInfo dataset) => JsonSerializer.Serialize(dataset, Json);

    /// <summary>One row per dataset: name, versions, the latest version's tokenizer, tokens and size.</summary>
    public static void WriteTable(IReadOnlyList<DatasetInfo> datasets, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        if (datasets.Count == 0)
        {
            console.WriteLine("No datasets. Push one with `actorai data push DIR --name NAME`.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Dataset", "Versions", "Latest", "Tokenizer", "Train tokens", "Size");
        table.Columns[1].RightAligned();
        table.Columns[4].RightAligned();
        table.Columns[5].RightAligned();
        foreach (DatasetInfo dataset in datasets)
        {
            DatasetVersion latest = dataset.Versions[^1];
            table.AddRow(
                Markup.Escape(dataset.Name),
                Number(dataset.Versions.Count),
                Markup.Escape($"v{Number(latest.Version)} ({ModelRendering.FormatTime(latest.CreatedAt)})"),
                Markup.Escape(TokenizerName(latest)),
                Units.FormatCount(latest.TrainTokens),
                Units.FormatBytes(latest.Bytes));
        }
        console.Write(table);
        console.WriteLine($"{datasets.Count} {(datasets.Count == 1 ? "dataset" : "datasets")}");
    }

    /// <summary>A dataset's versions with their manifest, shape, size and lineage.</summary>
    public static void WriteDetails(DatasetInfo dataset, TextWriter output)
    {
        IAnsiConsole console = CliConsole.Create(output);
        console.WriteLine($"Dataset {dataset.Name}: {dataset.Versions.Count} {(dataset.Versions.Count == 1 ? "version" : "versions")}");
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Version", "Created (UTC)", "Manifest", "Files", "Size", "Tokenizer", "Vocabulary", "Block", "Train tokens", "Validation tokens", "Source", "Tags");
        foreach (int column in (int[])[0, 3, 4, 6, 7, 8, 9])
        {
            table.Columns[column].RightAligned();
        }
        foreach (DatasetVersion version in dataset.Versions)
        {
            table.AddRow(
                $"v{Number(version.Version)}",
                ModelRendering.FormatTime(version.CreatedAt),
                Markup.Escape(ModelRendering.ShortHash(version.ManifestSha256)),
                Number(version.Files.Count),
                Units.FormatBytes(version.Bytes),
                Markup.Escape(TokenizerName(version)),
                Units.FormatCount(version.VocabularySize),
                Number(version.BlockSize),
                Units.FormatCount(version.TrainTokens),
                Units.FormatCount(version.ValidationTokens),
                Markup.Escape(ModelRendering.ShortHash(version.Lineage.SourceSha256)),
                Markup.Escape(version.Tags.Count == 0 ? "-" : string.Join(", ", version.Tags)));
        }
        console.Write(table);
        DatasetVersion latest = dataset.Versions[^1];
        console.WriteLine($"Latest (v{Number(latest.Version)}) prepared from {latest.Lineage.Inputs.Count} {(latest.Lineage.Inputs.Count == 1 ? "input" : "inputs")} with "
            + string.Join(", ", latest.Lineage.Options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}")));
        console.WriteLine($"Train on it with `actorai train --data {dataset.Name}@{Number(latest.Version)}`.");
    }

    /// <summary>The line printed after a push.</summary>
    public static string Pushed(DatasetRegistration registration)
    {
        DatasetVersion v = registration.Version;
        string reference = DatasetNames.Pinned(registration.Name, v.Version);
        return registration.Created
            ? $"Pushed {reference}: {Number(v.Files.Count)} files, {Units.FormatBytes(v.Bytes)}, manifest {ModelRendering.ShortHash(v.ManifestSha256)}, {TokenizerName(v)}. Train on it with `actorai train --data {reference}`."
            : $"Unchanged: {reference} already has this manifest ({ModelRendering.ShortHash(v.ManifestSha256)}); no new version.";
    }

    // A bpe: spec names a directory on the machine that prepared the data; the files travel as artifacts.
    private static string TokenizerName(DatasetVersion version) =>
        version.TokenizerFiles.Count > 0 ? $"bpe ({Number(version.TokenizerFiles.Count)} files)" : version.Tokenizer;

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
