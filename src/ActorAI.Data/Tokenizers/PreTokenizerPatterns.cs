using System.Text.RegularExpressions;

namespace ActorAI.Data.Tokenizers;

/// <summary>
/// The regular expressions that split text into pieces before byte-pair encoding. A piece never spans a character
/// boundary inside a surrogate pair: both halves are in the same class, and every class is greedy.
/// </summary>
internal static partial class PreTokenizerPatterns
{
    /// <summary>GPT-2's pattern (openai/gpt-2 encoder.py), used by the byte-level BPE tokenizer.</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    public static partial Regex Gpt2();

    // The next two are the patterns of Microsoft.ML.Tokenizers 2.0.1 (Tiktoken.cs), which keeps them internal.
    // The tests compare every encoding against the library's own tokenizer, so a drift shows up there.

    /// <summary>cl100k_base's pattern.</summary>
    [GeneratedRegex(@"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s")]
    public static partial Regex Cl100kBase();

    /// <summary>o200k_base's pattern.</summary>
    [GeneratedRegex(@"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")]
    public static partial Regex O200kBase();
}
