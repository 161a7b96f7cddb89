using System.Text;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Data.Tests.Tokenizers;

/// <summary>A BPE tokenizer trained once for the round-trip tests: English-like text plus random Unicode, so merges span multi-byte characters.</summary>
public sealed class TrainedBpeFixture
{
    public ByteLevelBpeTokenizer Tokenizer { get; } =
        BpeTrainer.Train(TestText.EnglishLike(seed: 1, documents: 300).Concat(TestText.RandomUnicode(seed: 7, count: 300)), vocabularySize: 1024);
}

/// <summary>Properties every <see cref="ITextTokenizer"/> must have.</summary>
public sealed class TokenizerRoundTripTests(TrainedBpeFixture bpe) : IClassFixture<TrainedBpeFixture>
{
    public static TheoryData<string> Tokenizers => ["byte", "cl100k_base", "o200k_base", "bpe"];

    private ITextTokenizer Create(string name) => name == "bpe" ? bpe.Tokenizer : TokenizerFactory.Create(name);

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Samples_round_trip(string name)
    {
        ITextTokenizer tokenizer = Create(name);
        foreach (string text in TestText.Samples)
        {
            AssertRoundTrip(tokenizer, text);
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Random_unicode_round_trips(string name)
    {
        ITextTokenizer tokenizer = Create(name);
        foreach (string text in TestText.RandomUnicode(seed: 12345, count: 300))
        {
            AssertRoundTrip(tokenizer, text);
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Empty_text_has_no_tokens(string name)
    {
        ITextTokenizer tokenizer = Create(name);
        Assert.Empty(tokenizer.Encode(""));
        Assert.Empty(tokenizer.DecodeBytes([]));
        Assert.Equal("", tokenizer.Decode([]));
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Decoding_a_prefix_and_the_rest_gives_the_whole(string name)
    {
        ITextTokenizer tokenizer = Create(name);
        var random = new Random(99);
        foreach (string text in TestText.Samples.Concat(TestText.RandomUnicode(seed: 4242, count: 100)))
        {
            int[] ids = tokenizer.Encode(text);
            byte[] whole = tokenizer.DecodeBytes(ids);
            int split = random.Next(ids.Length + 1);
            byte[] joined = [.. tokenizer.DecodeBytes(ids.AsSpan(0, split)), .. tokenizer.DecodeBytes(ids.AsSpan(split))];
            Assert.Equal(whole, joined);

            // Token by token too: the streaming decoder's case.
            var streamed = new List<byte>();
            foreach (int id in ids)
            {
                streamed.AddRange(tokenizer.DecodeBytes([id]));
            }
            Assert.Equal(whole, streamed);
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Ids_are_inside_the_vocabulary_and_never_end_of_text(string name)
    {
        ITextTokenizer tokenizer = Create(name);
        Assert.InRange(tokenizer.EndOfTextId, 0, tokenizer.VocabularySize - 1);
        foreach (string text in TestText.Samples.Where(s => !s.Contains('\0')).Concat(TestText.EnglishLike(seed: 5, documents: 20)))
        {
            Assert.All(tokenizer.Encode(text), id =>
            {
                Assert.InRange(id, 0, tokenizer.VocabularySize - 1);
                Assert.NotEqual(tokenizer.EndOfTextId, id);
            });
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Ids_outside_the_vocabulary_are_rejected(string name)
    {
        ITextTokenizer tokenizer = Create(name);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.DecodeBytes([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.DecodeBytes([tokenizer.VocabularySize]));
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Decode_replaces_an_incomplete_character(string name)
    {
        ITextTokenizer tokenizer = Create(name);
        int[] ids = tokenizer.Encode("😀");
        byte[] bytes = tokenizer.DecodeBytes(ids);
        Assert.Equal(Encoding.UTF8.GetBytes("😀"), bytes);
        // Drop the last token: the bytes no longer form the character.
        if (ids.Length > 1)
        {
            Assert.Contains('\uFFFD', tokenizer.Decode(ids.AsSpan(0, ids.Length - 1)));
        }
    }

    private static void AssertRoundTrip(ITextTokenizer tokenizer, string text)
    {
        int[] ids = tokenizer.Encode(text);
        Assert.Equal(Encoding.UTF8.GetBytes(text), tokenizer.DecodeBytes(ids));
        Assert.Equal(text, tokenizer.Decode(ids));
    }
}
