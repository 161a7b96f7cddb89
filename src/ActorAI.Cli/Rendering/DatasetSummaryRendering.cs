using System.Text.Json;
using ActorAI.Data.Datasets;
using Spectre.Console;

namespace ActorAI.Cli.Rendering;

/// <summary>The summary <c>actorai data prepare</c> prints: what was read, kept and dropped, and what was written.</summary>
internal static class DatasetSummaryRendering
{
    /// <summary>Examples of each drop reason shown (the manifest keeps more).</summary>
    public const int ExamplesPerReason = 3;

    /// <param name="manifest">The prepared dataset.</param>
    /// <param name="elapsed">Wall time of the whole command.</param>
    /// <param name="output">Where to write.</param>
    /// <param name="tokenizerNote">Extra words about the tokenizer, e.g. how it was trained.</param>
    public static void Write(DatasetManifest manifest, TimeSpan elapsed, TextWriter output, string? tokenizerNote = null)
    {
        IAnsiConsole console = CliConsole.Create(output);
        long read = manifest.Inputs.Sum(i => i.Documents);
        long kept = manifest.Inputs.Sum(i => i.Kept);
        long dropped = Enum.GetValues<DropReason>().Sum(r => manifest.Drops.Counts[r]);

        console.MarkupLine($"[bold]Prepared dataset[/] {Markup.Escape(Path.Combine(manifest.Directory, DatasetManifest.FileName))}");
        console.MarkupLine(Markup.Escape(
            $"Tokenizer {manifest.Tokenizer} (vocabulary {Units.FormatCount(manifest.VocabularySize)}, stored as {manifest.TokenDType})"
            + (tokenizerNote is null ? "" : $", {tokenizerNote}") + $"; block size {manifest.BlockSize}"));
        console.MarkupLine(Markup.Escape(
            $"Read {manifest.Inputs.Count} {(manifest.Inputs.Count == 1 ? "file" : "files")}, {Units.FormatBytes(manifest.Inputs.Sum(i => i.Bytes))}, {Units.FormatCount(read)} documents: "
            + $"{Units.FormatCount(kept)} kept, {Units.FormatCount(dropped)} dropped; {Units.FormatDuration(elapsed)}"));

        var splits = new Table().Border(TableBorder.Rounded)
            .AddColumns("Split", "Documents", "Tokens", "UTF-8 text", "Blocks", "Shards");
        foreach (TableColumn column in splits.Columns.Skip(1))
        {
            column.RightAligned();
        }
        AddSplit(splits, "train", manifest.Train);
        AddSplit(splits, "validation", manifest.Validation);
        console.Write(splits);

        if (dropped == 0)
        {
            console.WriteLine("Nothing was dropped.");
            return;
        }
        var drops = new Table().Border(TableBorder.Rounded).AddColumns("Dropped", "Count", "First examples (file:line)");
        drops.Columns[1].RightAligned();
        foreach (DropReason reason in Enum.GetValues<DropReason>())
        {
            long count = manifest.Drops.Counts[reason];
            if (count == 0)
            {
                continue;
            }
            IEnumerable<string> examples = manifest.Drops.Examples
                .Where(e => e.Reason == reason)
                .Take(ExamplesPerReason)
                .Select(e => e.Line > 0 ? $"{DisplayPath(e.File)}:{e.Line}" : DisplayPath(e.File));
            drops.AddRow(ReasonName(reason), Units.FormatCount(count), Markup.Escape(string.Join(", ", examples)));
        }
        console.Write(drops);
    }

    /// <summary>The reason as written in manifests, e.g. <c>invalid_utf8</c>.</summary>
    public static string ReasonName(DropReason reason) => JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString());

    private static void AddSplit(Table table, string name, DatasetSplitManifest split) => table.AddRow(
        name,
        Units.FormatCount(split.Documents),
        Units.FormatCount(split.Tokens),
        Units.FormatBytes(split.Utf8Bytes),
        Units.FormatCount(split.Blocks),
        Units.FormatCount(split.Shards.Count));

    // Relative to the working directory when below it: shorter, and still a path the user can open.
    private static string DisplayPath(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
