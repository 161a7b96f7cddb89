using System.CommandLine;
using ActorAI.Cli.Data;
using ActorAI.Cli.Rendering;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Cli.Commands;

/// <summary><c>actorai data prepare</c>: runs <see cref="DataPreparer"/> in this process (no cluster, no LibTorch).</summary>
internal static class DataCommands
{
    private const string Prefix = "actorai data prepare";

    public static Command Create()
    {
        var arguments = new PrepareArguments();
        var prepare = new Command("prepare",
            "Read .txt and .jsonl files; validate, normalize, deduplicate and filter the documents; tokenize, split and pack them into "
            + "safetensors shards with a manifest.json, ready for `actorai train --local --data OUTPUT`.");
        arguments.AddTo(prepare);
        prepare.SetAction((parse, ct) => PrepareAsync(parse, arguments, TimeProvider.System, ct));
        return new Command("data", "Prepare training data.") { prepare };
    }

    private static async Task<int> PrepareAsync(ParseResult parse, PrepareArguments arguments, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        TextWriter stdout = parse.InvocationConfiguration.Output;
        TextWriter stderr = parse.InvocationConfiguration.Error;
        DataPreparationOptions options = arguments.ToOptions(parse);
        var problems = new List<string>(arguments.Validate(parse, options));
        problems.AddRange(options.InputPaths
            .Where(input => !string.IsNullOrWhiteSpace(input) && !File.Exists(input) && !Directory.Exists(input))
            .Select(input => $"input '{input}' does not exist"));
        int? vocabulary = parse.GetValue(arguments.TrainTokenizer);
        if (problems.Count == 0 && vocabulary is null && CheckTokenizer(options.Tokenizer) is { } tokenizerProblem)
        {
            problems.Add($"{arguments.Tokenizer.Name}: {tokenizerProblem}");
        }
        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                await stderr.WriteLineAsync($"{Prefix}: {problem}");
            }
            return ExitCodes.InvalidArguments;
        }

        long start = timeProvider.GetTimestamp();
        PreparationDisplay display = PreparationDisplay.For(stderr, timeProvider);
        try
        {
            string? tokenizerNote = null;
            if (vocabulary is int size)
            {
                ByteLevelBpeTokenizer trained = await TokenizerTraining.TrainAsync(() => arguments.ToOptions(parse), size, display, timeProvider, cancellationToken);
                options.Tokenizer = trained.Spec;
                tokenizerNote = trained.VocabularySize < size
                    ? $"trained here with {Units.FormatCount(trained.Merges.Count)} merges (fewer than asked: no pair left that occurs twice)"
                    : $"trained here with {Units.FormatCount(trained.Merges.Count)} merges";
            }
            DatasetManifest manifest = await display.RunAsync("preparing",
                progress => new DataPreparer(timeProvider).RunAsync(options, progress, cancellationToken));
            DatasetSummaryRendering.Write(manifest, timeProvider.GetElapsedTime(start), stdout, tokenizerNote);
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"{Prefix}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    // Loads the tokenizer once up front, so a bad spec or a broken bpe: directory is reported before any work.
    private static string? CheckTokenizer(string spec)
    {
        try
        {
            TokenizerFactory.Create(spec);
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException)
        {
            return ex.Message;
        }
    }
}
