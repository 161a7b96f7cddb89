using System.Buffers;
using ActorAI.Data.Preparation.Unicode;

namespace ActorAI.Data.Preparation;

/// <summary>
/// The text normalization applied to every document before it is deduplicated and tokenized (apply it to prompts too,
/// so inference sees text shaped like the training data):
/// <list type="number">
/// <item>line endings (<c>\r\n</c>, <c>\r</c>, U+0085, U+2028, U+2029) become <c>\n</c>;</item>
/// <item>control characters other than <c>\n</c> and <c>\t</c> are removed, and so is U+FEFF (a stray byte-order
/// mark); form feed and vertical tab count as spaces;</item>
/// <item>within a line, a run of two or more spaces, tabs or other space separators becomes one space (a single tab or
/// space is kept), and trailing spaces are removed;</item>
/// <item>three or more consecutive newlines become two (one blank line at most);</item>
/// <item>leading and trailing whitespace of the document is removed;</item>
/// <item>Unicode NFC, from tables pinned to <see cref="UnicodeVersion"/> (the same bytes on every machine). It comes
/// last so that removing a control character cannot leave a detext sequence behind.</item>
/// </list>
/// The result never contains NUL, so a tokenizer's end-of-text id cannot be produced from it.
/// </summary>
public static class TextNormalizer
{
    /// <summary>Identifies this normalization in dataset manifests; changes whenever its output can change.</summary>
    public static string Version => $"actorai-text-v1 (NFC, Unicode {UnicodeNfc.UnicodeVersion})";

    /// <summary>The Unicode version of the NFC tables.</summary>
    public static string UnicodeVersion => UnicodeNfc.UnicodeVersion;

    /// <summary>Normalizes <paramref name="text"/> as described on <see cref="TextNormalizer"/>.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return UnicodeNfc.Normalize(CleanWhitespaceAndControls(text));
    }

    // Every character the cleaning pass may change, except the plain space and '\n' (checked by pattern below).
    private static readonly SearchValues<char> s_special = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\v\f\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017" +
        "\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089" +
        "\u008A\u008B\u008C\u008D\u008E\u008F\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B" +
        "\u009C\u009D\u009E\u009F\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028" +
        "\u2029\u202F\u205F\u3000\uFEFF");

    // Most documents need no cleaning; a few vectorized scans prove it without copying.
    private static bool IsAlreadyClean(ReadOnlySpan<char> text) =>
        !text.IsEmpty
        && text[0] is not (' ' or '\n') && text[^1] is not (' ' or '\n')
        && !text.ContainsAny(s_special)
        && !text.Contains("  ", StringComparison.Ordinal)
        && !text.Contains(" \n", StringComparison.Ordinal)
        && !text.Contains("\n\n\n", StringComparison.Ordinal);

    private static string CleanWhitespaceAndControls(string text) => IsAlreadyClean(text) ? text : CleanEveryCharacter(text);

    /// <summary>The cleaning pass without the already-clean shortcut (internal for tests).</summary>
    internal static string CleanEveryCharacter(string text)
    {
        // The output is never longer than the input: characters are only removed or replaced one for one.
        char[] rented = ArrayPool<char>.Shared.Rent(Math.Max(1, text.Length));
        try
        {
            Span<char> output = rented;
            int length = 0;
            int pendingNewlines = 0;
            int pendingSpaces = 0;
            char pendingSpace = ' ';
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                switch (Classify(c))
                {
                    case CharKind.Visible:
                        if (length > 0)
                        {
                            for (int n = Math.Min(pendingNewlines, 2); n > 0; n--)
                            {
                                output[length++] = '\n';
                            }
                            if (pendingSpaces > 0)
                            {
                                output[length++] = pendingSpaces == 1 ? pendingSpace : ' ';
                            }
                        }
                        pendingNewlines = 0;
                        pendingSpaces = 0;
                        output[length++] = c;
                        break;
                    case CharKind.Space:
                        pendingSpace = c is '\f' or '\v' ? ' ' : c;
                        pendingSpaces++;
                        break;
                    case CharKind.Newline:
                        if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                        {
                            i++;
                        }
                        pendingSpaces = 0; // trailing spaces of the line
                        pendingNewlines++;
                        break;
                    default:
                        break; // removed
                }
            }
            ReadOnlySpan<char> result = output[..length];
            return result.SequenceEqual(text) ? text : new string(result);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private enum CharKind
    {
        Visible,
        Newline,
        Space,
        Removed,
    }

    private static CharKind Classify(char c)
    {
        if (c < 0x80)
        {
            return c switch
            {
                '\n' or '\r' => CharKind.Newline,
                ' ' or '\t' or '\f' or '\v' => CharKind.Space,
                < ' ' or '\x7F' => CharKind.Removed,
                _ => CharKind.Visible,
            };
        }
        // Spelled out rather than taken from CharUnicodeInfo, whose tables follow the runtime's Unicode version:
        // C1 controls (category Cc) and the space separators (category Zs, unchanged since Unicode 6.3).
        return c switch
        {
            '\u0085' or '\u2028' or '\u2029' => CharKind.Newline,
            < '\u00A0' or '\uFEFF' => CharKind.Removed,
            '\u00A0' or '\u1680' or (>= '\u2000' and <= '\u200A') or '\u202F' or '\u205F' or '\u3000' => CharKind.Space,
            _ => CharKind.Visible,
        };
    }
}
