namespace ActorAI.Data.Tokenizers;

/// <summary>Creates tokenizers from their <see cref="ITextTokenizer.Spec"/> strings.</summary>
public static class TokenizerFactory
{
    /// <summary>Creates the tokenizer named by <paramref name="spec"/>.</summary>
    /// <exception cref="ArgumentException">The spec names no known tokenizer.</exception>
    public static ITextTokenizer Create(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        return spec switch
        {
            ByteTokenizer.SpecName => ByteTokenizer.Instance,
            _ => throw new ArgumentException($"unknown tokenizer '{spec}': expected {ByteTokenizer.SpecName}", nameof(spec)),
        };
    }
}
