using ActorAI.Data.Preparation;

namespace ActorAI.Data.Tests.Preparation;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("caf" + "e\u0301", "caf\u00E9")] // NFC
    [InlineData("a\u0000b\u0007c\u001Bd\u007Fe\u0085f", "abcde\nf")] // controls removed, NEL is a line break
    [InlineData("one\r\ntwo\rthree\nfour", "one\ntwo\nthree\nfour")]
    [InlineData("a  b\t\tc \t d", "a b c d")] // runs of spaces and tabs collapse
    [InlineData("a\tb c", "a\tb c")] // a single tab or space stays
    [InlineData("line   \nnext\t\n", "line\nnext")] // trailing spaces per line
    [InlineData("p1\n\n\n\n\np2\n\np3", "p1\n\np2\n\np3")] // 3+ newlines become 2
    [InlineData("  \n\n  body  \n\n ", "body")] // trimmed
    [InlineData("\uFEFFbom", "bom")]
    [InlineData("x\u00A0\u00A0y\u3000z", "x y\u3000z")]
    [InlineData("page\fbreak", "page break")]
    [InlineData("  indented\n    code", "indented\n code")]
    [InlineData("e\u0000\u0301", "\u00E9")] // removing the control must not leave a decomposed pair
    [InlineData("\u0000\u0001\t \n", "")]
    public void Normalizes(string input, string expected) => Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Fact]
    public void Is_idempotent_and_never_emits_nul()
    {
        string messy = "  A\u0301\u0000 b\r\n\r\n\r\n\tc\u00A0 \u2028d\u0301\u0323  \n";
        string once = TextNormalizer.Normalize(messy);
        Assert.Equal(once, TextNormalizer.Normalize(once));
        Assert.DoesNotContain('\0', once);
        Assert.Equal("\u00C1 b\n\n\tc\n\u1E0D\u0301", once); // NBSP + space is a run, then trailing
    }

    [Fact]
    public void The_already_clean_shortcut_agrees_with_the_full_pass()
    {
        var random = new Random(17);
        char[] alphabet = [' ', ' ', '\n', '\n', 'a', 'b', '\t', '\r', '\u00A0', '\u0001', '\u2028', '\uFEFF', '\u00E9'];
        for (int i = 0; i < 20_000; i++)
        {
            string text = new([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            string expected = TextNormalizer.CleanEveryCharacter(text);
            Assert.Equal(expected, TextNormalizer.Normalize(text));
            Assert.Same(expected, TextNormalizer.Normalize(expected));
        }
    }

    [Fact]
    public void Version_names_the_unicode_version() =>
        Assert.Contains(TextNormalizer.UnicodeVersion, TextNormalizer.Version, StringComparison.Ordinal);
}
