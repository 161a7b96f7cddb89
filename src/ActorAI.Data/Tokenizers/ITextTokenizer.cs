namespace ActorAI.Data.Tokenizers;

/// <summary>Turns text into token ids and back. Implementations are immutable and thread-safe.</summary>
public interface ITextTokenizer
{
    /// <summary>
    /// The specification that recreates this tokenizer through <see cref="TokenizerFactory.Create"/>, e.g. <c>byte</c>,
    /// <c>cl100k_base</c>, <c>bpe:/path/to/dir</c>. Recorded in dataset manifests and checkpoints.
    /// </summary>
    string Spec { get; }

    /// <summary>Number of token ids (the model's vocabulary must be at least this large).</summary>
    int VocabularySize { get; }

    /// <summary>The id that separates documents when packing; never produced by <see cref="Encode"/> of normalized text.</summary>
    int EndOfTextId { get; }

    /// <summary>
    /// The ids that mark chat turns, which <see cref="Encode"/> never produces for any string; <see langword="null"/>
    /// when the tokenizer has none (chats then fall back to a text template with escaped content).
    /// </summary>
    ChatRoleTokens? RoleTokens { get; }

    /// <summary>
    /// Encodes text (any valid UTF-16 string) to ids. Literal <c>&lt;|endoftext|&gt;</c> is ordinary characters. Never
    /// produces a <see cref="RoleTokens"/> id, whatever the string, lone surrogates included.
    /// </summary>
    int[] Encode(string text);

    /// <summary>
    /// The UTF-8 bytes that <paramref name="ids"/> stand for. A token may end inside a multi-byte character, so
    /// streaming decoders concatenate bytes and decode complete characters only. <see cref="RoleTokens"/> ids stand for
    /// no bytes.
    /// </summary>
    byte[] DecodeBytes(ReadOnlySpan<int> ids);

    /// <summary>Decodes ids to text; incomplete UTF-8 sequences become U+FFFD.</summary>
    string Decode(ReadOnlySpan<int> ids);
}
