namespace ActorAI.Data.Preparation;

/// <summary>Validates <see cref="DataPreparationOptions"/>; every failure names the option and its limit.</summary>
public sealed class DataPreparationOptionsValidator
{
    /// <summary>Largest accepted <see cref="DataPreparationOptions.BlockSize"/>.</summary>
    public const int MaxBlockSize = 1 << 20;

    /// <summary>Largest accepted <see cref="DataPreparationOptions.DegreeOfParallelism"/>.</summary>
    public const int MaxDegreeOfParallelism = 512;

    /// <summary>Largest accepted <see cref="DataPreparationOptions.MaxRecordBytes"/> (1 GiB).</summary>
    public const int MaxRecordBytesLimit = 1 << 30;

    /// <summary>Largest accepted <see cref="DataPreparationOptions.TokensPerShard"/> (a shard is buffered in memory).</summary>
    public const int MaxTokensPerShard = 1 << 28;

    /// <summary>Largest accepted <see cref="DataPreparationOptions.ValidationFraction"/>.</summary>
    public const double MaxValidationFraction = 0.5;

    /// <summary>All failures of <paramref name="options"/>; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate(DataPreparationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.InputPaths is null || options.InputPaths.Count == 0)
        {
            failures.Add("InputPaths needs at least one file or directory.");
        }
        else if (options.InputPaths.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("InputPaths entries must not be empty.");
        }
        if (string.IsNullOrWhiteSpace(options.OutputDirectory))
        {
            failures.Add("OutputDirectory is required.");
        }
        if (string.IsNullOrEmpty(options.TextField))
        {
            failures.Add("TextField is required (the JSON field that holds the text in .jsonl files).");
        }
        if (!Enum.IsDefined(options.DocumentMode))
        {
            failures.Add($"DocumentMode must be one of {string.Join(", ", Enum.GetNames<TextDocumentMode>())} (was {(int)options.DocumentMode}).");
        }
        if (options.DocumentMode == TextDocumentMode.Separator
            && (string.IsNullOrEmpty(options.DocumentSeparator) || options.DocumentSeparator.AsSpan().IndexOfAny('\r', '\n') >= 0))
        {
            failures.Add("DocumentSeparator must be a non-empty single line when DocumentMode is Separator.");
        }
        if (options.MinDocumentChars < 1)
        {
            failures.Add($"MinDocumentChars must be at least 1 (was {options.MinDocumentChars}); empty documents are always dropped.");
        }
        if (options.MaxDocumentChars < options.MinDocumentChars)
        {
            failures.Add($"MaxDocumentChars must be at least MinDocumentChars ({options.MinDocumentChars}) (was {options.MaxDocumentChars}).");
        }
        if (options.MaxRecordBytes < Math.Max(1, options.MinDocumentChars) || options.MaxRecordBytes > MaxRecordBytesLimit)
        {
            failures.Add($"MaxRecordBytes must be between MinDocumentChars ({Math.Max(1, options.MinDocumentChars)}) and {MaxRecordBytesLimit} (was {options.MaxRecordBytes}).");
        }
        if (options.BlockSize is < 1 or > MaxBlockSize)
        {
            failures.Add($"BlockSize must be between 1 and {MaxBlockSize} tokens (was {options.BlockSize}).");
        }
        if (!double.IsFinite(options.ValidationFraction) || options.ValidationFraction is < 0 or > MaxValidationFraction)
        {
            failures.Add($"ValidationFraction must be between 0 and {MaxValidationFraction} (was {options.ValidationFraction}).");
        }
        if (string.IsNullOrWhiteSpace(options.Tokenizer))
        {
            failures.Add("Tokenizer is required (e.g. byte, cl100k_base).");
        }
        if (options.BlockSize >= 1 && options.TokensPerShard < options.BlockSize + 1)
        {
            failures.Add($"TokensPerShard must be at least BlockSize + 1 ({(long)options.BlockSize + 1}) (was {options.TokensPerShard}).");
        }
        else if (options.TokensPerShard > MaxTokensPerShard)
        {
            failures.Add($"TokensPerShard must be at most {MaxTokensPerShard} (was {options.TokensPerShard}).");
        }
        if (options.DegreeOfParallelism is < 1 or > MaxDegreeOfParallelism)
        {
            failures.Add($"DegreeOfParallelism must be between 1 and {MaxDegreeOfParallelism} (was {options.DegreeOfParallelism}).");
        }
        if (options.MaxDropExamples < 0)
        {
            failures.Add($"MaxDropExamples must be at least 0 (was {options.MaxDropExamples}).");
        }
        return failures;
    }

    /// <summary>Throws when <paramref name="options"/> are invalid.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every failure.</exception>
    public void ThrowIfInvalid(DataPreparationOptions options)
    {
        IReadOnlyList<string> failures = Validate(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException($"Invalid data preparation options: {string.Join(" ", failures)}", nameof(options));
        }
    }
}
