using System.Text;

namespace ActorAI.Data.Preparation.Unicode;

/// <summary>
/// Unicode Normalization Form C (UAX #15) from pinned tables (<see cref="NfcData"/>). <c>string.Normalize</c> cannot be
/// used: under <c>InvariantGlobalization</c> (set for the whole repository) it leaves non-ASCII text unchanged, and with
/// ICU the result depends on the operating system's Unicode version, which would make datasets machine-dependent.
/// </summary>
internal static class UnicodeNfc
{
    // Hangul syllables compose and decompose algorithmically (Unicode 14, section 3.12).
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly byte[] s_bmpClass = new byte[0x10000];
    private static readonly Dictionary<int, byte> s_supplementaryClass = [];
    private static readonly Dictionary<int, (int First, int Second)> s_decompositions = [];
    private static readonly Dictionary<long, int> s_compositions = [];

    // BMP characters that NFC leaves alone whatever surrounds them: a starter that is its own NFC form and is never
    // the second half of a composition. A string made only of these is already NFC, and each one bounds the
    // stretch of text that normalization has to look at.
    private static readonly bool[] s_bmpInert = new bool[0x10000];

    static UnicodeNfc()
    {
        ReadOnlySpan<int> ranges = NfcData.CombiningClassRanges;
        for (int i = 0; i < ranges.Length; i += 3)
        {
            for (int cp = ranges[i]; cp <= ranges[i + 1]; cp++)
            {
                if (cp < 0x10000)
                {
                    s_bmpClass[cp] = (byte)ranges[i + 2];
                }
                else
                {
                    s_supplementaryClass[cp] = (byte)ranges[i + 2];
                }
            }
        }
        ReadOnlySpan<int> decompositions = NfcData.Decompositions;
        for (int i = 0; i < decompositions.Length; i += 3)
        {
            s_decompositions[decompositions[i]] = (decompositions[i + 1], decompositions[i + 2]);
        }
        var composites = new HashSet<int>();
        var seconds = new HashSet<int>();
        ReadOnlySpan<int> compositions = NfcData.Compositions;
        for (int i = 0; i < compositions.Length; i += 3)
        {
            s_compositions[Key(compositions[i], compositions[i + 1])] = compositions[i + 2];
            seconds.Add(compositions[i + 1]);
            composites.Add(compositions[i + 2]);
        }
        for (int cp = 0; cp < 0x10000; cp++)
        {
            bool surrogate = cp is >= 0xD800 and <= 0xDFFF;
            bool decomposesInNfc = s_decompositions.ContainsKey(cp) && !composites.Contains(cp);
            bool hangulSecond = cp is >= VBase and < VBase + VCount or > TBase and < TBase + TCount;
            s_bmpInert[cp] = !surrogate && s_bmpClass[cp] == 0 && !decomposesInNfc && !seconds.Contains(cp) && !hangulSecond;
        }
    }

    /// <summary>The Unicode version of the tables.</summary>
    public static string UnicodeVersion => NfcData.UnicodeVersion;

    /// <summary>
    /// The NFC form of <paramref name="text"/>; the same instance when it is already NFC. Unpaired surrogates are kept
    /// as they are (callers reject them earlier).
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? result = null;
        int copied = 0;
        int i = 0;
        while (i < text.Length)
        {
            if (s_bmpInert[text[i]])
            {
                i++;
                continue;
            }
            // The preceding inert starter may compose with what follows, so the segment starts there.
            int start = i > copied ? i - 1 : i;
            int end = i + 1;
            while (end < text.Length && !s_bmpInert[text[end]])
            {
                end++;
            }
            result ??= new StringBuilder(text.Length);
            result.Append(text, copied, start - copied);
            NormalizeSegment(text.AsSpan(start, end - start), result);
            copied = end;
            i = end;
        }
        if (result is null)
        {
            return text;
        }
        result.Append(text, copied, text.Length - copied);
        string normalized = result.ToString();
        return normalized == text ? text : normalized;
    }

    /// <summary>The canonical combining class of <paramref name="codePoint"/>.</summary>
    public static int CombiningClass(int codePoint) =>
        codePoint < 0x10000 ? s_bmpClass[codePoint] : s_supplementaryClass.GetValueOrDefault(codePoint);

    private static void NormalizeSegment(ReadOnlySpan<char> segment, StringBuilder output)
    {
        var codePoints = new List<int>(segment.Length + 4);
        for (int i = 0; i < segment.Length; i++)
        {
            int cp = segment[i];
            if (char.IsHighSurrogate(segment[i]) && i + 1 < segment.Length && char.IsLowSurrogate(segment[i + 1]))
            {
                cp = char.ConvertToUtf32(segment[i], segment[i + 1]);
                i++;
            }
            Decompose(cp, codePoints);
        }
        ReorderCanonically(codePoints);
        Compose(codePoints);
        foreach (int cp in codePoints)
        {
            if (cp < 0x10000)
            {
                output.Append((char)cp);
            }
            else
            {
                output.Append(char.ConvertFromUtf32(cp));
            }
        }
    }

    private static void Decompose(int cp, List<int> output)
    {
        int s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0)
            {
                output.Add(TBase + s % TCount);
            }
            return;
        }
        if (s_decompositions.TryGetValue(cp, out (int First, int Second) mapping))
        {
            Decompose(mapping.First, output);
            if (mapping.Second != 0)
            {
                Decompose(mapping.Second, output);
            }
            return;
        }
        output.Add(cp);
    }

    // Stable sort of each run of non-starters by combining class (runs are short: insertion sort).
    private static void ReorderCanonically(List<int> codePoints)
    {
        for (int i = 1; i < codePoints.Count; i++)
        {
            int cp = codePoints[i];
            int ccc = CombiningClass(cp);
            if (ccc == 0)
            {
                continue;
            }
            int j = i;
            while (j > 0 && CombiningClass(codePoints[j - 1]) > ccc)
            {
                codePoints[j] = codePoints[j - 1];
                j--;
            }
            codePoints[j] = cp;
        }
    }

    private static void Compose(List<int> codePoints)
    {
        int starter = -1;
        int lastClass = -1; // class of the last character kept after the starter; -1 while none follows it
        int count = 0;
        for (int i = 0; i < codePoints.Count; i++)
        {
            int cp = codePoints[i]; // count <= i, so writing at count never overwrites what is still to be read
            int ccc = CombiningClass(cp);
            bool blocked = lastClass != -1 && (lastClass == 0 || lastClass >= ccc);
            if (starter >= 0 && !blocked && TryCompose(codePoints[starter], cp, out int composite))
            {
                codePoints[starter] = composite;
                continue;
            }
            if (ccc == 0)
            {
                starter = count;
                lastClass = -1;
            }
            else
            {
                lastClass = ccc;
            }
            codePoints[count++] = cp;
        }
        codePoints.RemoveRange(count, codePoints.Count - count);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }
        int s = first - SBase;
        if (s is >= 0 and < SCount && s % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }
        return s_compositions.TryGetValue(Key(first, second), out composite);
    }

    private static long Key(int first, int second) => ((long)first << 21) | (uint)second;
}
