using System.Text;

namespace ActorAI.Data.Tokenizers;

/// <summary>
/// A GPT-2 style byte-level BPE tokenizer: text is split with GPT-2's pattern, each piece's UTF-8 bytes are merged
/// by rank. Trained by <see cref="BpeTrainer"/>, or loaded from a Hugging Face GPT-2 directory (<c>vocab.json</c> +
/// <c>merges.txt</c>, GPT-2's own files included). Immutable and thread-safe; encoded pieces are cached. The tokens of
/// bytes 0xF8, 0xF9 and 0xFA, which UTF-8 text never holds, mark the chat roles (<see cref="ChatRoleTokens"/>); a merge
/// never yields a one-byte token, so encoding cannot produce them.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITextTokenizer
{
    /// <summary>Prefix of the spec, followed by the full path of the directory.</summary>
    public const string SpecPrefix = "bpe:";

    /// <summary>The text of the document separator token, the only special token.</summary>
    public const string EndOfTextToken = "<|endoftext|>";

    /// <summary>Name of the vocabulary file (token text → id).</summary>
    public const string VocabularyFileName = "vocab.json";

    /// <summary>Name of the merges file (one "left right" merge per line, in rank order).</summary>
    public const string MergesFileName = "merges.txt";

    private readonly BpeModel _model;

    internal ByteLevelBpeTokenizer(BpeModel model, string? directory)
    {
        _model = model;
        Directory = directory;
        RoleTokens = ChatRoleTokens.ForBytes(model.ByteId);
    }

    /// <summary>The directory the tokenizer was saved to or loaded from; <see langword="null"/> for a tokenizer not yet saved.</summary>
    public string? Directory { get; }

    /// <summary><c>bpe:</c> and the full path of <see cref="Directory"/>.</summary>
    /// <exception cref="InvalidOperationException">The tokenizer has not been saved, so no spec can recreate it.</exception>
    public string Spec => Directory is null
        ? throw new InvalidOperationException($"this tokenizer has not been saved; {nameof(Save)} it to a directory, whose spec is '{SpecPrefix}<directory>'")
        : SpecPrefix + Directory;

    /// <summary>Number of ids: the byte tokens, one per merge, and <c>&lt;|endoftext|&gt;</c>.</summary>
    public int VocabularySize => _model.Tokens.Count;

    /// <inheritdoc />
    public int EndOfTextId => _model.EndOfTextId;

    /// <inheritdoc cref="ITextTokenizer.RoleTokens" />
    public ChatRoleTokens RoleTokens { get; }

    /// <summary>The merges in rank order (lower ranks are applied first).</summary>
    public IReadOnlyList<BpeMerge> Merges => _model.Merges;

    internal BpeModel Model => _model;

    /// <summary>Loads a tokenizer saved by <see cref="Save"/> (or any Hugging Face GPT-2 style vocab.json + merges.txt).</summary>
    /// <exception cref="InvalidDataException">A file is malformed; the message names the file and line.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    public static ByteLevelBpeTokenizer Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string fullPath = Path.GetFullPath(directory);
        return new ByteLevelBpeTokenizer(Gpt2BpeFiles.Load(fullPath), fullPath);
    }

    /// <summary>
    /// Writes <c>vocab.json</c> and <c>merges.txt</c> into <paramref name="directory"/> (created if needed; existing
    /// files are replaced) and returns the tokenizer bound to it, whose <see cref="Spec"/> names the directory.
    /// </summary>
    public ByteLevelBpeTokenizer Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string fullPath = Path.GetFullPath(directory);
        Gpt2BpeFiles.Save(_model, fullPath);
        return new ByteLevelBpeTokenizer(_model, fullPath);
    }

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _model.Encode(text);
    }

    /// <inheritdoc />
    public byte[] DecodeBytes(ReadOnlySpan<int> ids) =>
        RoleTokens.Concatenate(ids, text => _model.Tokens.Concatenate(text, Directory is null ? "the BPE tokenizer" : SpecPrefix + Directory));

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));
}
