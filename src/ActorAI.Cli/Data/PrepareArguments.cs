using System.CommandLine;
using ActorAI.Data.Preparation;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Cli.Data;

/// <summary>
/// The arguments of <c>actorai data prepare</c> and their mapping onto <see cref="DataPreparationOptions"/>, whose
/// defaults they show. Checking is left to <see cref="DataPreparationOptionsValidator"/>; <see cref="Validate"/> names
/// the command-line option in each of its failures.
/// </summary>
internal sealed class PrepareArguments
{
    private static readonly DataPreparationOptions Defaults = new();

    private static readonly Dictionary<string, string> Modes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["file"] = nameof(TextDocumentMode.WholeFile),
        ["paragraphs"] = nameof(TextDocumentMode.Paragraphs),
        ["lines"] = nameof(TextDocumentMode.Lines),
        ["separator"] = nameof(TextDocumentMode.Separator),
    };

    public Argument<string[]> Inputs { get; } = new("input")
    {
        Description = "Files or directories (searched recursively) of .txt and .jsonl files.",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "Directory for the shards and manifest.json.", Required = true };

    public Option<string?> Tokenizer { get; } = new("--tokenizer")
    {
        Description = $"Tokenizer: {TokenizerFactory.ValidForms}. Default {Defaults.Tokenizer}.",
    };

    public Option<int?> TrainTokenizer { get; } = new("--train-tokenizer")
    {
        Description = $"First train a byte-level BPE tokenizer of this vocabulary ({BpeTrainer.MinVocabularySize}-{BpeTrainer.MaxVocabularySize}) on the documents, "
            + "save it in OUTPUT/tokenizer and prepare with it.",
    };

    public Option<string> TextField { get; } = new("--text-field")
    {
        Description = "The JSON field holding the text in .jsonl files.",
        DefaultValueFactory = _ => Defaults.TextField,
    };

    public Option<string> Mode { get; } = new("--mode")
    {
        Description = "How .txt files are cut into documents: file (the whole file), paragraphs (blank lines), lines, separator (--separator lines).",
        DefaultValueFactory = _ => "file",
    };

    public Option<string> Separator { get; } = new("--separator")
    {
        Description = "The separator line for --mode separator.",
        DefaultValueFactory = _ => Defaults.DocumentSeparator,
    };

    public Option<int> BlockSize { get; } = new("--block-size")
    {
        Description = "Tokens per training sample.",
        DefaultValueFactory = _ => Defaults.BlockSize,
    };

    public Option<double> Validation { get; } = new("--validation")
    {
        Description = "Share of documents in the validation split (0 to 0.5).",
        DefaultValueFactory = _ => Defaults.ValidationFraction,
    };

    public Option<int> MinChars { get; } = new("--min-chars")
    {
        Description = "Drop documents shorter than this (characters, after normalization).",
        DefaultValueFactory = _ => Defaults.MinDocumentChars,
    };

    public Option<int> MaxChars { get; } = new("--max-chars")
    {
        Description = "Drop documents longer than this (characters, after normalization).",
        DefaultValueFactory = _ => Defaults.MaxDocumentChars,
    };

    public Option<ulong> Seed { get; } = new("--seed")
    {
        Description = "Seed of the train/validation assignment.",
        DefaultValueFactory = _ => Defaults.Seed,
    };

    public Option<int> Parallelism { get; } = new("--parallelism")
    {
        Description = "Worker threads (default: the processor count); the output does not depend on it.",
        DefaultValueFactory = _ => Defaults.DegreeOfParallelism,
    };

    public void AddTo(Command command)
    {
        command.Add(Inputs);
        foreach (Option option in (Option[])[Output, Tokenizer, TrainTokenizer, TextField, Mode, Separator, BlockSize, Validation, MinChars, MaxChars, Seed, Parallelism])
        {
            command.Add(option);
        }
    }

    /// <summary>New options from the parsed command line (each call gives a fresh instance).</summary>
    public DataPreparationOptions ToOptions(ParseResult parse) => new()
    {
        InputPaths = [.. parse.GetValue(Inputs) ?? []],
        OutputDirectory = parse.GetValue(Output) ?? "",
        Tokenizer = parse.GetValue(Tokenizer) ?? Defaults.Tokenizer,
        TextField = parse.GetValue(TextField) ?? "",
        DocumentMode = Modes.TryGetValue(parse.GetValue(Mode) ?? "", out string? mode) ? Enum.Parse<TextDocumentMode>(mode) : (TextDocumentMode)(-1),
        DocumentSeparator = parse.GetValue(Separator) ?? "",
        BlockSize = parse.GetValue(BlockSize),
        ValidationFraction = parse.GetValue(Validation),
        MinDocumentChars = parse.GetValue(MinChars),
        MaxDocumentChars = parse.GetValue(MaxChars),
        Seed = parse.GetValue(Seed),
        DegreeOfParallelism = parse.GetValue(Parallelism),
    };

    /// <summary>
    /// Every problem of the command line, each naming its option: the validator's failures, an unknown
    /// <c>--mode</c>, and a <c>--train-tokenizer</c> out of range or combined with <c>--tokenizer</c>.
    /// </summary>
    public IReadOnlyList<string> Validate(ParseResult parse, DataPreparationOptions options)
    {
        var problems = new List<string>();
        string mode = parse.GetValue(Mode) ?? "";
        if (!Modes.ContainsKey(mode))
        {
            problems.Add($"{Mode.Name}: must be one of {string.Join(", ", Modes.Keys)} (was '{mode}')");
        }
        foreach (string failure in new DataPreparationOptionsValidator().Validate(options))
        {
            if (failure.StartsWith(nameof(DataPreparationOptions.DocumentMode), StringComparison.Ordinal) && !Modes.ContainsKey(mode))
            {
                continue; // already reported in the command line's terms
            }
            problems.Add(OptionFor(failure) is { } name ? $"{name}: {failure}" : failure);
        }
        if (parse.GetValue(TrainTokenizer) is int vocabulary)
        {
            if (vocabulary is < BpeTrainer.MinVocabularySize or > BpeTrainer.MaxVocabularySize)
            {
                problems.Add($"{TrainTokenizer.Name}: the vocabulary must be between {BpeTrainer.MinVocabularySize} and {BpeTrainer.MaxVocabularySize} (was {vocabulary})");
            }
            if (parse.GetValue(Tokenizer) is not null)
            {
                problems.Add($"{TrainTokenizer.Name}: trains the tokenizer to use, so it cannot be combined with {Tokenizer.Name}");
            }
        }
        return problems;
    }

    // The validator starts each failure with the property's name.
    private string? OptionFor(string failure)
    {
        (string Property, string Option)[] names =
        [
            (nameof(DataPreparationOptions.InputPaths), Inputs.Name.ToUpperInvariant()),
            (nameof(DataPreparationOptions.OutputDirectory), Output.Name),
            (nameof(DataPreparationOptions.TextField), TextField.Name),
            (nameof(DataPreparationOptions.DocumentMode), Mode.Name),
            (nameof(DataPreparationOptions.DocumentSeparator), Separator.Name),
            (nameof(DataPreparationOptions.MinDocumentChars), MinChars.Name),
            (nameof(DataPreparationOptions.MaxDocumentChars), MaxChars.Name),
            (nameof(DataPreparationOptions.BlockSize), BlockSize.Name),
            (nameof(DataPreparationOptions.ValidationFraction), Validation.Name),
            (nameof(DataPreparationOptions.Tokenizer), Tokenizer.Name),
            (nameof(DataPreparationOptions.DegreeOfParallelism), Parallelism.Name),
        ];
        foreach ((string property, string option) in names)
        {
            if (failure.StartsWith(property + " ", StringComparison.Ordinal))
            {
                return option;
            }
        }
        return null;
    }
}
