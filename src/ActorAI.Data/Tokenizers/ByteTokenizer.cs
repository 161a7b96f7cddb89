using System.Text;

namespace ActorAI.Data.Tokenizers;

/// <summary>
/// One token per UTF-8 byte: vocabulary 256. Byte 0 (NUL) doubles as the document separator; text normalization
/// removes control characters, so prepared documents never contain it. Bytes 0xF8, 0xF9 and 0xFA, which UTF-8 never
/// holds, mark the chat roles (<see cref="ChatRoleTokens"/>).
/// </summary>
public sealed class ByteTokenizer : ITextTokenizer
{
    /// <summary>The specification string of this tokenizer.</summary>
    public const string SpecName = "byte";

    /// <summary>The shared instance.</summary>
    public static ByteTokenizer Instance { get; } = new();

    /// <inheritdoc />
    public string Spec => SpecName;

    /// <inheritdoc />
    public int VocabularySize => 256;

    /// <inheritdoc />
    public int EndOfTextId => 0;

    /// <inheritdoc />
    public ChatRoleTokens RoleTokens { get; } = ChatRoleTokens.ForBytes(b => b);

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            ids[i] = bytes[i];
        }
        return ids;
    }

    /// <inheritdoc />
    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var bytes = new byte[ids.Length];
        int written = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id > 255)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} at position {i} is outside the byte vocabulary (0-255)");
            }
            if (!RoleTokens.Contains(id))
            {
                bytes[written++] = (byte)id;
            }
        }
        return written == bytes.Length ? bytes : bytes[..written];
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));
}
