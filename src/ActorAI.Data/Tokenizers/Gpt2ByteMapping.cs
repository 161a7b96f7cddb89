namespace ActorAI.Data.Tokenizers;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>: a bijection from bytes to printable characters, so that vocab.json and merges.txt
/// hold every token as text with no whitespace or control characters. Printable Latin-1 bytes map to themselves;
/// the other 68 bytes map to U+0100 and up in byte order (space → 'Ġ' U+0120, newline → 'Ċ' U+010A).
/// </summary>
internal static class Gpt2ByteMapping
{
    private static readonly char[] _byteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> _charToByte = Enumerable.Range(0, 256).ToDictionary(b => _byteToChar[b], b => (byte)b);

    /// <summary>The text form of a token's bytes.</summary>
    public static string ToText(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = _byteToChar[bytes[i]];
        }
        return new string(chars);
    }

    /// <summary>The bytes of a token's text form; <see langword="false"/> when a character is not in the mapping.</summary>
    public static bool TryToBytes(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!_charToByte.TryGetValue(text[i], out bytes[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
