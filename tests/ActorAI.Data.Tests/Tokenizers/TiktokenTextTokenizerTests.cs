using System.Text;
using System.Text.Unicode;
using ActorAI.Data.Tokenizers;
using Microsoft.ML.Tokenizers;

namespace ActorAI.Data.Tests.Tokenizers;

public sealed class TiktokenTextTokenizerTests
{
    public static TheoryData<string> Encodings => [TiktokenTextTokenizer.Cl100kBaseSpec, TiktokenTextTokenizer.O200kBaseSpec];

    [Fact]
    public void Cl100k_base_encodes_known_text_as_tiktoken_does()
    {
        TiktokenTextTokenizer tokenizer = TiktokenTextTokenizer.Cl100kBase;
        Assert.Equal([15339, 1917], tokenizer.Encode("hello world"));
        Assert.Equal([83, 1609, 5963, 374, 2294, 0], tokenizer.Encode("tiktoken is great!"));
        Assert.Equal(100257, tokenizer.EndOfTextId);
        Assert.Equal(100277, tokenizer.VocabularySize);
        Assert.Equal("cl100k_base", tokenizer.Spec);
    }

    [Fact]
    public void O200k_base_encodes_known_text_as_tiktoken_does()
    {
        TiktokenTextTokenizer tokenizer = TiktokenTextTokenizer.O200kBase;
        Assert.Equal([24912, 2375], tokenizer.Encode("hello world"));
        Assert.Equal(199999, tokenizer.EndOfTextId);
        Assert.Equal(200019, tokenizer.VocabularySize);
        Assert.Equal("o200k_base", tokenizer.Spec);
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void End_of_text_typed_as_text_is_plain_text(string spec)
    {
        TiktokenTextTokenizer tokenizer = TiktokenTextTokenizer.ForSpec(spec)!;
        foreach (string text in (string[])["<|endoftext|>", "a<|endoftext|>b", " <|endoftext|>\n<|endofprompt|>"])
        {
            int[] ids = tokenizer.Encode(text);
            Assert.DoesNotContain(tokenizer.EndOfTextId, ids);
            Assert.All(tokenizer.SpecialTokens.Values, special => Assert.DoesNotContain(special, ids));
            Assert.Equal(text, tokenizer.Decode(ids));
        }
        // The library's default encoding does turn it into the special token; ours must not.
        Assert.Equal([tokenizer.EndOfTextId], TiktokenTokenizer.CreateForEncoding(spec).EncodeToIds("<|endoftext|>"));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Encodings_match_the_library_tokenizer(string spec)
    {
        TiktokenTextTokenizer tokenizer = TiktokenTextTokenizer.ForSpec(spec)!;
        TiktokenTokenizer library = TiktokenTokenizer.CreateForEncoding(spec);
        foreach (string text in TestText.Samples.Where(s => !s.Contains("<|", StringComparison.Ordinal))
            .Concat(TestText.RandomUnicode(seed: 2024, count: 200))
            .Concat(TestText.EnglishLike(seed: 3, documents: 10)))
        {
            Assert.Equal(library.EncodeToIds(text), tokenizer.Encode(text));
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Special_tokens_match_the_library(string spec)
    {
        TiktokenTextTokenizer tokenizer = TiktokenTextTokenizer.ForSpec(spec)!;
        TiktokenTokenizer library = TiktokenTokenizer.CreateForEncoding(spec);
        Assert.Equal(library.SpecialTokens!.OrderBy(p => p.Value), tokenizer.SpecialTokens.OrderBy(p => p.Value));
        Assert.Equal(tokenizer.SpecialTokens.Values.Max() + 1, tokenizer.VocabularySize);
        Assert.Equal(Encoding.UTF8.GetBytes("<|endoftext|>"), tokenizer.DecodeBytes([tokenizer.EndOfTextId]));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_token_decodes_as_the_library_decodes_it(string spec)
    {
        TiktokenTextTokenizer tokenizer = TiktokenTextTokenizer.ForSpec(spec)!;
        TiktokenTokenizer library = TiktokenTokenizer.CreateForEncoding(spec);
        int tokens = 0, partial = 0;
        for (int id = 0; id < tokenizer.VocabularySize; id++)
        {
            if (tokenizer.RoleTokens.Contains(id))
            {
                // Bytes 0xF8-0xFA mark chat turns here; they are no text.
                Assert.Empty(tokenizer.DecodeBytes([id]));
                continue;
            }
            string expected = library.Decode([id]);
            if (expected.Length == 0)
            {
                // An id tiktoken leaves unassigned: the library skips it, we refuse it.
                Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.DecodeBytes([id]));
                continue;
            }
            byte[] bytes = tokenizer.DecodeBytes([id]);
            Assert.Equal(expected, Encoding.UTF8.GetString(bytes));
            tokens++;
            partial += Utf8.IsValid(bytes) ? 0 : 1;
        }
        Assert.True(tokens > tokenizer.VocabularySize - 100, $"only {tokens} of {tokenizer.VocabularySize} ids decode");
        // Some tokens hold part of a character; their exact bytes are what DecodeBytes must keep.
        Assert.True(partial > 100, $"only {partial} tokens hold an incomplete character");
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Tokens_that_split_a_character_decode_to_its_exact_bytes(string spec)
    {
        TiktokenTextTokenizer tokenizer = TiktokenTextTokenizer.ForSpec(spec)!;
        bool sawSplit = false;
        foreach (string text in (string[])["🦙🦜🪿", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "龘靐齉", "𠀀𠀁𠀂"])
        {
            int[] ids = tokenizer.Encode(text);
            var concatenated = new List<byte>();
            foreach (int id in ids)
            {
                byte[] token = tokenizer.DecodeBytes([id]);
                sawSplit |= !Utf8.IsValid(token);
                concatenated.AddRange(token);
            }
            Assert.Equal(Encoding.UTF8.GetBytes(text), concatenated);
        }
        Assert.True(sawSplit, "no sample was split inside a character; pick rarer characters");
    }

    [Fact]
    public void Instances_are_shared_and_safe_to_use_in_parallel()
    {
        Assert.Same(TiktokenTextTokenizer.Cl100kBase, TokenizerFactory.Create("cl100k_base"));
        Assert.Same(TiktokenTextTokenizer.O200kBase, TokenizerFactory.Create("o200k_base"));
        string[] texts = [.. TestText.RandomUnicode(seed: 77, count: 200)];
        int[][] sequential = [.. texts.Select(TiktokenTextTokenizer.Cl100kBase.Encode)];
        var parallel = new int[texts.Length][];
        Parallel.For(0, texts.Length, i => parallel[i] = TiktokenTextTokenizer.Cl100kBase.Encode(texts[i]));
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void The_vocabulary_parser_reads_both_tiktoken_forms()
    {
        // Compact form: one base64 token per line, the id is the line index; blank lines count.
        List<byte[]?> compact = TiktokenTextTokenizer.ParseVocabulary("Capacity: 4\nIQ==\n\nIg==\r\n"u8, "compact");
        Assert.Equal(3, compact.Count);
        Assert.Equal("!"u8.ToArray(), compact[0]);
        Assert.Null(compact[1]);
        Assert.Equal("\""u8.ToArray(), compact[2]);

        List<byte[]?> ranked = TiktokenTextTokenizer.ParseVocabulary("aGk= 1\nIQ== 0\n"u8, "ranked");
        Assert.Equal(["!"u8.ToArray(), "hi"u8.ToArray()], ranked);

        InvalidDataException bad = Assert.Throws<InvalidDataException>(() => TiktokenTextTokenizer.ParseVocabulary("IQ== 0\nIg== x\n"u8, "bad.tiktoken"));
        Assert.Contains("bad.tiktoken line 2", bad.Message);
        Assert.Throws<InvalidDataException>(() => TiktokenTextTokenizer.ParseVocabulary("IQ== 0\nIg== 0\n"u8, "dup"));
    }
}
