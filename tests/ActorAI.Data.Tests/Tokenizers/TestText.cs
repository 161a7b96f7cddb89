using System.Text;

namespace ActorAI.Data.Tests.Tokenizers;

/// <summary>Strings and corpora for tokenizer tests, all generated deterministically.</summary>
internal static class TestText
{
    /// <summary>Hand-picked strings that stress byte-level tokenization.</summary>
    public static readonly string[] Samples =
    [
        "",
        "hello world",
        "The quick brown fox jumps over the lazy dog. It's 3:45pm, isn't it?",
        "Crème brûlée, naïve façade, Ångström, Łódź, São Paulo",
        "日本語のテキストと中文文本，还有한국어 텍스트.",
        "Emoji: 😀👍🏽🦙 family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵",
        "Math 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐀𝐁𝐂 and 𠀀𠀁 (astral CJK)",
        "e\u0301 a\u0308 n\u0303 combining marks; Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334 stacked",
        "tabs\tand\t\ttabs, newlines\n\n\nand   runs     of      spaces   \r\n\u00a0\u2003\u3000",
        "    leading and trailing    ",
        "\n",
        " ",
        "<|endoftext|> written as text, and <|fim_prefix|> too",
        "Numbers 1234567890 3.14159 -42 1e10 0x7fff",
        "Code: for (int i = 0; i < n; i++) { sum += a[i] * b[i]; } // done",
        "Ελληνικά, русский текст, עברית, العربية, हिन्दी, ไทย",
        "a\u0000b\u0001c\u007f control characters",
    ];

    /// <summary>Strings of random code points from every plane (no lone surrogates), biased towards ASCII.</summary>
    public static IEnumerable<string> RandomUnicode(int seed, int count, int maxLength = 40)
    {
        var random = new Random(seed);
        var builder = new StringBuilder();
        for (int n = 0; n < count; n++)
        {
            builder.Clear();
            int length = random.Next(maxLength + 1);
            for (int i = 0; i < length; i++)
            {
                int codePoint = random.Next(10) switch
                {
                    < 4 => random.Next(0x20, 0x7F),
                    4 => random.Next(0x80, 0x800),
                    5 => random.Next(0x800, 0x10000),
                    6 => random.Next(0x10000, 0x110000),
                    7 => " \t\n"[random.Next(3)],
                    _ => random.Next(0, 0x110000),
                };
                if (codePoint is >= 0xD800 and <= 0xDFFF)
                {
                    codePoint -= 0x800; // lone surrogates are not text; move into the block below
                }
                builder.Append(char.ConvertFromUtf32(codePoint));
            }
            yield return builder.ToString();
        }
    }

    private static readonly string[] _words =
    [
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not",
        "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were",
        "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would",
        "who", "so", "no", "time", "people", "water", "number", "system", "program", "question", "government",
        "world", "information", "language", "because", "through", "between", "important", "different", "following",
        "tokenizer", "training", "distributed", "runtime", "message", "function", "children", "understanding",
        "mountain", "river", "morning", "evening", "beautiful", "quickly", "slowly", "remember", "together",
        "computer", "science", "history", "country", "company", "problem", "service", "example", "research",
    ];

    /// <summary>English-like documents: sentences of common words with Zipf-like frequencies, punctuation and numbers.</summary>
    public static IEnumerable<string> EnglishLike(int seed, int documents, int sentencesPerDocument = 8)
    {
        var random = new Random(seed);
        var builder = new StringBuilder();
        for (int d = 0; d < documents; d++)
        {
            builder.Clear();
            for (int s = 0; s < sentencesPerDocument; s++)
            {
                int length = random.Next(4, 16);
                for (int w = 0; w < length; w++)
                {
                    // Zipf-like: index ~ words.Length * u^2 favours the first (most common) words.
                    double u = random.NextDouble();
                    string word = random.Next(40) == 0 ? random.Next(1, 2025).ToString() : _words[(int)(_words.Length * u * u)];
                    if (w == 0)
                    {
                        word = char.ToUpperInvariant(word[0]) + word[1..];
                    }
                    else
                    {
                        builder.Append(random.Next(12) == 0 ? ", " : " ");
                    }
                    builder.Append(word);
                }
                builder.Append(random.Next(6) == 0 ? "? " : ". ");
            }
            builder.Append('\n');
            yield return builder.ToString();
        }
    }
}
