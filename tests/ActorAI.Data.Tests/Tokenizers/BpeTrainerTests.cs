using System.Text;
using System.Text.RegularExpressions;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Data.Tests.Tokenizers;

public sealed class BpeTrainerTests
{
    [Fact]
    public void Hand_checked_example()
    {
        // Pieces: "aaab" and " aaab". Pairs: (a,a) 4, (a,b) 2, (' ',a) 1.
        // 1: a a → 256, words become [aa a b]: (aa,a) 2, (a,b) 2 tie; (97,98) < (256,97), so
        // 2: a b → 257, words [aa ab]: (aa,ab) 2.
        // 3: aa ab → 258; (' ', aaab) occurs once, under the default minimum of 2: stop.
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train(["aaab aaab"], vocabularySize: 1000);

        Assert.Equal([new BpeMerge('a', 'a', 256), new BpeMerge('a', 'b', 257), new BpeMerge(256, 257, 258)], tokenizer.Merges);
        Assert.Equal(260, tokenizer.VocabularySize);
        Assert.Equal(259, tokenizer.EndOfTextId);
        Assert.Equal([258], tokenizer.Encode("aaab"));
        Assert.Equal([' ', 258], tokenizer.Encode(" aaab"));
        Assert.Equal([256, 256, 'b'], tokenizer.Encode("aaaab"));
        Assert.Equal("aaab", tokenizer.Decode([258]));
    }

    [Fact]
    public void Minimum_pair_frequency_controls_when_training_stops()
    {
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train(["aaab aaab"], 1000, new BpeTrainerOptions { MinPairFrequency = 1 });
        Assert.Equal(new BpeMerge(' ', 258, 259), tokenizer.Merges[^1]);
        Assert.Equal(4, tokenizer.Merges.Count);
        Assert.Equal([259], tokenizer.Encode(" aaab"));
    }

    [Fact]
    public void Training_reaches_the_requested_vocabulary_size()
    {
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train(TestText.EnglishLike(seed: 11, documents: 200), vocabularySize: 600);
        Assert.Equal(600, tokenizer.VocabularySize);
        Assert.Equal(599, tokenizer.EndOfTextId);
        Assert.Equal(600 - 257, tokenizer.Merges.Count);
        Assert.Equal(Enumerable.Range(256, 600 - 257), tokenizer.Merges.Select(m => m.Result));
    }

    [Fact]
    public void Smallest_vocabulary_has_no_merges()
    {
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train(["some text some text"], BpeTrainer.MinVocabularySize);
        Assert.Empty(tokenizer.Merges);
        Assert.Equal(257, tokenizer.VocabularySize);
        Assert.Equal(256, tokenizer.EndOfTextId);
        Assert.Equal(Encoding.UTF8.GetBytes("héllo").Select(b => (int)b), tokenizer.Encode("héllo"));
    }

    [Fact]
    public void Training_is_deterministic()
    {
        IEnumerable<string> Corpus() => TestText.EnglishLike(seed: 21, documents: 150).Concat(TestText.RandomUnicode(seed: 22, count: 100));
        ByteLevelBpeTokenizer first = BpeTrainer.Train(Corpus(), 800);
        ByteLevelBpeTokenizer second = BpeTrainer.Train(Corpus(), 800);
        Assert.Equal(first.Merges, second.Merges);
    }

    [Fact]
    public void Merges_match_a_naive_reference_trainer()
    {
        string[] corpus = [.. TestText.EnglishLike(seed: 31, documents: 40), .. TestText.RandomUnicode(seed: 32, count: 60, maxLength: 12)];
        foreach (long minFrequency in (long[])[1, 2])
        {
            List<BpeMerge> expected = NaiveTrain(corpus, merges: 400, minFrequency);
            ByteLevelBpeTokenizer trained = BpeTrainer.Train(corpus, 257 + 400, new BpeTrainerOptions { MinPairFrequency = minFrequency });
            Assert.Equal(expected, trained.Merges);
        }
    }

    [Fact]
    public void Trained_tokenizer_compresses_held_out_text()
    {
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train(TestText.EnglishLike(seed: 41, documents: 300), 1000);
        string heldOut = string.Concat(TestText.EnglishLike(seed: 42, documents: 30));
        int bytes = Encoding.UTF8.GetByteCount(heldOut);
        int tokens = tokenizer.Encode(heldOut).Length;
        Assert.True(tokens < bytes / 3, $"{tokens} tokens for {bytes} bytes");
    }

    [Fact]
    public void Encoded_pieces_have_no_merge_left_to_apply()
    {
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train(TestText.EnglishLike(seed: 51, documents: 100), 700);
        var pairs = tokenizer.Merges.Select(m => (m.Left, m.Right)).ToHashSet();
        foreach (Match piece in new Regex(Gpt2Pattern).Matches(string.Concat(TestText.EnglishLike(seed: 52, documents: 10))))
        {
            int[] ids = tokenizer.Encode(piece.Value);
            for (int i = 0; i + 1 < ids.Length; i++)
            {
                Assert.DoesNotContain((ids[i], ids[i + 1]), pairs);
            }
        }
    }

    [Fact]
    public void The_corpus_is_enumerated_once()
    {
        var corpus = new OnceOnly(TestText.EnglishLike(seed: 61, documents: 20));
        BpeTrainer.Train(corpus, 300);
        Assert.Equal(1, corpus.Enumerations);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1_048_577)]
    public void Vocabulary_size_out_of_range_is_rejected(int size)
    {
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["text"], size));
        Assert.Equal("vocabularySize", ex.ParamName);
        Assert.Contains("257", ex.Message);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => BpeTrainer.Train(null!, 300));
        ArgumentOutOfRangeException options = Assert.Throws<ArgumentOutOfRangeException>(
            () => BpeTrainer.Train(["text"], 300, new BpeTrainerOptions { MinPairFrequency = 0 }));
        Assert.Equal("options", options.ParamName);
        ArgumentException nullDocument = Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["a", null!], 300));
        Assert.Equal("corpus", nullDocument.ParamName);
    }

    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The textbook algorithm: recount every pair before each merge.</summary>
    private static List<BpeMerge> NaiveTrain(IEnumerable<string> corpus, int merges, long minFrequency)
    {
        var pieces = new Dictionary<string, long>();
        foreach (string text in corpus)
        {
            foreach (Match match in Regex.Matches(text, Gpt2Pattern))
            {
                pieces[match.Value] = pieces.GetValueOrDefault(match.Value) + 1;
            }
        }
        var words = pieces.Select(p => (Symbols: Encoding.UTF8.GetBytes(p.Key).Select(b => (int)b).ToList(), Count: p.Value)).ToList();
        var result = new List<BpeMerge>();
        while (result.Count < merges)
        {
            var counts = new Dictionary<(int, int), long>();
            foreach ((List<int> symbols, long count) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    counts[(symbols[i], symbols[i + 1])] = counts.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
                }
            }
            if (counts.Count == 0)
            {
                break;
            }
            ((int left, int right), long best) = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key.Item1).ThenBy(c => c.Key.Item2).First();
            if (best < minFrequency)
            {
                break;
            }
            int merged = 256 + result.Count;
            result.Add(new BpeMerge(left, right, merged));
            foreach ((List<int> symbols, _) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == left && symbols[i + 1] == right)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }
        return result;
    }

    private sealed class OnceOnly(IEnumerable<string> inner) : IEnumerable<string>
    {
        public int Enumerations { get; private set; }

        public IEnumerator<string> GetEnumerator()
        {
            Enumerations++;
            return inner.GetEnumerator();
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
