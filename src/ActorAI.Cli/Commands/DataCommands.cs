using System.CommandLine;
using ActorAI.Abstractions.Artifacts;
using ActorAI.Abstractions.Datasets;
using ActorAI.Cli.Data;
using ActorAI.Cli.Rendering;
using ActorAI.Client;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Cli.Commands;

/// <summary>
/// <c>actorai data prepare|push|list|show</c>: <see cref="DataPreparer"/> runs in this process (no cluster, no LibTorch);
/// push, list and show work with the cluster's named, versioned datasets.
/// </summary>
internal static class DataCommands
{
    private const string Prefix = "actorai data prepare";

    public static Command Create(ConnectionSettings connection)
    {
        var arguments = new PrepareArguments();
        var push = new Option<string?>("--push")
        {
            HelpName = "NAME",
            Description = "Then push the prepared dataset to the cluster as a new version of dataset NAME (uses the cluster connection options).",
        };
        var prepare = new Command("prepare",
            "Read .txt and .jsonl files; validate, normalize, deduplicate and filter the documents; tokenize, split and pack them into "
            + "safetensors shards with a manifest.json, ready for `actorai train --local --data OUTPUT` (or, with --push NAME, `actorai train --data NAME`).");
        arguments.AddTo(prepare);
        prepare.Add(push);
        prepare.SetAction((parse, ct) => PrepareAsync(parse, arguments, push, connection, TimeProvider.System, ct));
        return new Command("data",
            "Prepare training data, and keep it in the cluster as named, versioned datasets.\n"
            + "  actorai data prepare INPUT... --output DIR [--push NAME]   tokenize, split and pack into shards (then push)\n"
            + "  actorai data push DIR --name NAME                          upload a prepared dataset as a new version of NAME\n"
            + "  actorai data list [--json]                                 every dataset: versions, latest, tokenizer, size\n"
            + "  actorai data show NAME [--json]                            versions with manifest, shape, size and lineage")
        {
            prepare,
            CreatePush(connection),
            ListCommand.Create(connection, "List every named dataset: versions, latest version, tokenizer, training tokens, size.",
                (client, ct) => client.ListDatasetsAsync(ct), DatasetRendering.ToJson, DatasetRendering.WriteTable),
            CreateShow(connection),
        };
    }

    private static Command CreatePush(ConnectionSettings connection)
    {
        var directory = new Argument<string>("directory") { Description = "A prepared dataset directory (from `actorai data prepare`)." };
        var name = new Option<string>("--name")
        {
            HelpName = "NAME",
            Required = true,
            Description = $"The dataset's name ({DatasetNames.Rule}). New data adds a version; the same data again adds none.",
        };
        var json = new Option<bool>("--json") { Description = "Print the registered version as JSON." };
        var push = new Command("push",
            "Upload a prepared dataset (manifest, shards and a trained tokenizer's files) into the cluster's artifact store and register it "
            + "as a version of dataset NAME, which `actorai train --data NAME[@N]` reads on whichever silos train.") { directory, name, json };
        push.SetAction(async (parse, ct) =>
        {
            const string prefix = "actorai data push";
            string path = parse.GetValue(directory) ?? "";
            string dataset = parse.GetValue(name) ?? "";
            TextWriter stderr = parse.InvocationConfiguration.Error;
            if (NameProblem(dataset, name.Name) is { } problem)
            {
                await stderr.WriteLineAsync($"{prefix}: {problem}");
                return ExitCodes.InvalidArguments;
            }
            if (!File.Exists(Path.Combine(path, DatasetNames.ManifestFile)))
            {
                await stderr.WriteLineAsync($"{prefix}: DIRECTORY: {Path.GetFullPath(path)} is not a prepared dataset (no {DatasetNames.ManifestFile}; run `actorai data prepare` first)");
                return ExitCodes.InvalidArguments;
            }
            return await PushAsync(parse, connection, prefix, path, dataset, parse.GetValue(json), ct);
        });
        return push;
    }

    private static Command CreateShow(ConnectionSettings connection)
    {
        var name = new Argument<string>("name") { Description = "Dataset name." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var show = new Command("show", "Show a dataset: each version's manifest hash, files, size, tokenizer, shape, tokens, source hash and tags.") { name, json };
        show.SetAction(async (parse, ct) =>
        {
            string dataset = parse.GetValue(name) ?? "";
            if (NameProblem(dataset, "NAME") is { } problem)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"actorai data show: {problem}");
                return ExitCodes.InvalidArguments;
            }
            await using ActorAIClient client = await connection.ConnectAsync(parse, ct);
            DatasetInfo info = await client.GetDatasetAsync(dataset, ct)
                ?? throw new DatasetException($"dataset '{dataset}' does not exist (`actorai data list` shows them all)");
            TextWriter stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(DatasetRendering.ToJson(info));
            }
            else
            {
                DatasetRendering.WriteDetails(info, stdout);
            }
            return ExitCodes.Ok;
        });
        return show;
    }

    // The rule names the API's field (name); on the command line it is the option or argument.
    private static string? NameProblem(string name, string option) =>
        DatasetNames.Problem(name) is { } problem ? option + problem["name".Length..] : null;

    private static async Task<int> PushAsync(
        ParseResult parse, ConnectionSettings connection, string prefix, string directory, string name, bool json, CancellationToken cancellationToken)
    {
        await using ActorAIClient client = await connection.ConnectAsync(parse, cancellationToken);
        DatasetRegistration registration;
        try
        {
            registration = await PushDisplay.For(parse.InvocationConfiguration.Error)
                .RunAsync($"pushing {name}", progress => client.PushDatasetAsync(directory, name, progress, cancellationToken));
        }
        catch (ArgumentException ex)
        {
            // This machine's files: not a dataset, or a listed file or the tokenizer is missing.
            await parse.InvocationConfiguration.Error.WriteLineAsync($"{prefix}: DIRECTORY: {ex.Message.Split(" (Parameter", 2)[0]}");
            return ExitCodes.InvalidArguments;
        }
        TextWriter stdout = parse.InvocationConfiguration.Output;
        await stdout.WriteLineAsync(json ? DatasetRendering.ToJson(new DatasetInfo(registration.Name, [registration.Version])) : DatasetRendering.Pushed(registration));
        return ExitCodes.Ok;
    }

    private static async Task<int> PrepareAsync(
        ParseResult parse, PrepareArguments arguments, Option<string?> push, ConnectionSettings connection, TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        TextWriter stdout = parse.InvocationConfiguration.Output;
        TextWriter stderr = parse.InvocationConfiguration.Error;
        DataPreparationOptions options = arguments.ToOptions(parse);
        var problems = new List<string>(arguments.Validate(parse, options));
        problems.AddRange(options.InputPaths
            .Where(input => !string.IsNullOrWhiteSpace(input) && !File.Exists(input) && !Directory.Exists(input))
            .Select(input => $"input '{input}' does not exist"));
        int? vocabulary = parse.GetValue(arguments.TrainTokenizer);
        string? pushAs = parse.GetValue(push);
        if (pushAs is not null && NameProblem(pushAs, push.Name) is { } nameProblem)
        {
            problems.Add(nameProblem);
        }
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
            return pushAs is null ? ExitCodes.Ok : await PushAsync(parse, connection, Prefix, manifest.Directory, pushAs, json: false, cancellationToken);
        }
        catch (Exception ex) when (ex is not ArtifactException and (IOException or UnauthorizedAccessException or InvalidDataException))
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
