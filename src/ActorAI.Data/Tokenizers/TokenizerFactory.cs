namespace ActorAI.Data.Tokenizers;

/// <summary>Creates tokenizers from their <see cref="ITextTokenizer.Spec"/> strings.</summary>
public static class TokenizerFactory
{
    /// <summary>The forms a spec can take, for error messages and help text.</summary>
    public const string ValidForms =
        ByteTokenizer.SpecName + ", " + TiktokenTextTokenizer.Cl100kBaseSpec + ", " + TiktokenTextTokenizer.O200kBaseSpec + ", "
        + ByteLevelBpeTokenizer.SpecPrefix + "<directory with vocab.json and merges.txt>";

    /// <summary>
    /// Creates the tokenizer named by <paramref name="spec"/>: <c>byte</c>, <c>cl100k_base</c>, <c>o200k_base</c>, or
    /// <c>bpe:&lt;directory&gt;</c> (a tokenizer saved by <see cref="ByteLevelBpeTokenizer.Save"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The spec names no known tokenizer.</exception>
    /// <exception cref="InvalidDataException">A <c>bpe:</c> directory holds malformed files.</exception>
    /// <exception cref="FileNotFoundException">A <c>bpe:</c> directory lacks a file.</exception>
    public static ITextTokenizer Create(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (spec == ByteTokenizer.SpecName)
        {
            return ByteTokenizer.Instance;
        }
        if (TiktokenTextTokenizer.ForSpec(spec) is { } tiktoken)
        {
            return tiktoken;
        }
        if (spec.StartsWith(ByteLevelBpeTokenizer.SpecPrefix, StringComparison.Ordinal) && spec.Length > ByteLevelBpeTokenizer.SpecPrefix.Length)
        {
            return ByteLevelBpeTokenizer.Load(spec[ByteLevelBpeTokenizer.SpecPrefix.Length..]);
        }
        throw new ArgumentException($"unknown tokenizer '{spec}': expected one of {ValidForms}", nameof(spec));
    }
}
