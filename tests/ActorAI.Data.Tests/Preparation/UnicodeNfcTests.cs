using System.Globalization;
using System.Text;
using ActorAI.Data.Preparation.Unicode;

namespace ActorAI.Data.Tests.Preparation;

public sealed class UnicodeNfcTests
{
    [Fact]
    public void Tables_match_the_reference_vectors_version() =>
        Assert.Equal(NfcVectors.UnicodeVersion, UnicodeNfc.UnicodeVersion);

    [Fact]
    public void Every_reference_vector_normalizes_like_the_reference_implementation()
    {
        var failures = new List<string>();
        int count = 0;
        foreach (string line in NfcVectors.Lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = line.Split('>');
            string input = FromHex(parts[0]);
            string expected = FromHex(parts[1]);
            string actual = UnicodeNfc.Normalize(input);
            count++;
            if (actual != expected)
            {
                failures.Add($"{parts[0]} -> {ToHex(actual)}, expected {parts[1]}");
            }
            // NFC is idempotent, and text that composes with nothing must not change a segment.
            if (UnicodeNfc.Normalize(actual) != actual || UnicodeNfc.Normalize("!" + input + "!") != "!" + expected + "!")
            {
                failures.Add($"{parts[0]}: not stable in context");
            }
        }
        Assert.True(count > 4000, $"only {count} vectors");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [InlineData("e\u0301", "\u00E9")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")] // Hangul L V T
    [InlineData("a\u0323\u0302", "\u1EAD")] // dot below sorts before circumflex and both compose
    [InlineData("a\u0302\u0323", "\u1EAD")]
    [InlineData("\u212B", "\u00C5")] // Angstrom sign (singleton)
    [InlineData("plain ascii", "plain ascii")]
    public void Composes_known_cases(string input, string expected) => Assert.Equal(expected, UnicodeNfc.Normalize(input));

    [Fact]
    public void Returns_the_same_instance_when_already_normalized()
    {
        string text = "caf\u00E9 \u4E2D\u6587 \uD83D\uDE00";
        Assert.Same(text, UnicodeNfc.Normalize(text));
    }

    private static string FromHex(string hex)
    {
        var builder = new StringBuilder();
        foreach (string cp in hex.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append(char.ConvertFromUtf32(int.Parse(cp, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }
        return builder.ToString();
    }

    private static string ToHex(string text)
    {
        var parts = new List<string>();
        for (int i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            parts.Add(char.ConvertToUtf32(text, i).ToString("X", CultureInfo.InvariantCulture));
        }
        return string.Join(" ", parts);
    }
}
