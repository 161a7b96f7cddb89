using System.Text;
using System.Text.Json;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Data.Tests.Tokenizers;

public sealed class ByteLevelBpeTokenizerTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("actorai-bpe-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string SubDirectory(string name) => Path.Combine(_directory.FullName, name);

    private static ByteLevelBpeTokenizer TrainSmall() =>
        BpeTrainer.Train(TestText.EnglishLike(seed: 71, documents: 100).Concat(TestText.RandomUnicode(seed: 72, count: 100)), 700);

    [Fact]
    public void Save_then_load_gives_identical_encodings()
    {
        ByteLevelBpeTokenizer trained = TrainSmall();
        ByteLevelBpeTokenizer saved = trained.Save(SubDirectory("tok"));
        ByteLevelBpeTokenizer loaded = ByteLevelBpeTokenizer.Load(SubDirectory("tok"));

        Assert.Equal(trained.Merges, loaded.Merges);
        Assert.Equal(trained.VocabularySize, loaded.VocabularySize);
        Assert.Equal(trained.EndOfTextId, loaded.EndOfTextId);
        Assert.Equal(saved.Spec, loaded.Spec);
        foreach (string text in TestText.Samples.Concat(TestText.RandomUnicode(seed: 73, count: 100)).Concat(TestText.EnglishLike(seed: 74, documents: 10)))
        {
            Assert.Equal(trained.Encode(text), loaded.Encode(text));
        }
        for (int id = 0; id < trained.VocabularySize; id++)
        {
            Assert.Equal(trained.DecodeBytes([id]), loaded.DecodeBytes([id]));
        }
    }

    [Fact]
    public void Spec_names_the_full_directory_and_recreates_the_tokenizer()
    {
        ByteLevelBpeTokenizer trained = TrainSmall();
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, SubDirectory("spec"));
        ByteLevelBpeTokenizer saved = trained.Save(relative);

        Assert.Equal("bpe:" + SubDirectory("spec"), saved.Spec);
        Assert.Equal(SubDirectory("spec"), saved.Directory);
        ITextTokenizer created = TokenizerFactory.Create(saved.Spec);
        Assert.Equal(saved.Spec, created.Spec);
        Assert.Equal(trained.Encode("The tokenizer is here."), created.Encode("The tokenizer is here."));
    }

    [Fact]
    public void An_unsaved_tokenizer_has_no_spec()
    {
        ByteLevelBpeTokenizer trained = BpeTrainer.Train(["aaab aaab"], 300);
        Assert.Null(trained.Directory);
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => trained.Spec);
        Assert.Contains("Save", ex.Message);
    }

    [Fact]
    public void Files_use_the_gpt2_format()
    {
        // Pieces "a" once and " a" three times: the one merge joins space and 'a'.
        ByteLevelBpeTokenizer trained = BpeTrainer.Train(["a a a a"], 300);
        Assert.Equal([new BpeMerge(' ', 'a', 256)], trained.Merges);
        trained.Save(SubDirectory("format"));

        string[] merges = File.ReadAllLines(Path.Combine(SubDirectory("format"), "merges.txt"));
        Assert.Equal(["#version: 0.2", "Ġ a"], merges);

        using JsonDocument vocabulary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SubDirectory("format"), "vocab.json")));
        Dictionary<string, int> ids = vocabulary.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(258, ids.Count);
        Assert.Equal(256, ids["Ġa"]);
        Assert.Equal(257, ids["<|endoftext|>"]);
        Assert.Equal(32, ids["Ġ"]);
        Assert.Equal(10, ids["Ċ"]);
        Assert.Equal(0, ids["Ā"]);
        Assert.Equal(33, ids["!"]);
        Assert.Equal(255, ids["ÿ"]);
    }

    [Fact]
    public void Loads_a_vocabulary_numbered_as_gpt2_numbers_it()
    {
        // GPT-2's vocab.json numbers the bytes in bytes_to_unicode order ('!' is 0), not by byte value.
        List<(byte Byte, char Char)> order = Gpt2ByteOrder();
        var vocabulary = new Dictionary<string, int>();
        foreach ((_, char c) in order)
        {
            vocabulary[c.ToString()] = vocabulary.Count;
        }
        vocabulary["Ġt"] = 256;
        vocabulary["he"] = 257;
        vocabulary["Ġthe"] = 258;
        vocabulary["<|endoftext|>"] = 259;
        string directory = SubDirectory("gpt2");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(vocabulary));
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\nĠ t\nh e\nĠt he\n");

        ByteLevelBpeTokenizer tokenizer = ByteLevelBpeTokenizer.Load(directory);
        int t = 't' - '!';
        Assert.Equal(83, t);
        Assert.Equal([258], tokenizer.Encode(" the"));
        Assert.Equal([t, 257], tokenizer.Encode("the"));
        Assert.Equal([vocabulary["Ġ"], 258], tokenizer.Encode("  the"));
        Assert.Equal(259, tokenizer.EndOfTextId);
        Assert.Equal(260, tokenizer.VocabularySize);
        Assert.Equal([new BpeMerge(vocabulary["Ġ"], t, 256), new BpeMerge(vocabulary["h"], vocabulary["e"], 257), new BpeMerge(256, 257, 258)], tokenizer.Merges);
        Assert.Equal("  the é", tokenizer.Decode(tokenizer.Encode("  the é")));
        // The role tokens are the tokens of bytes 0xF8-0xFA, wherever the vocabulary numbers them.
        Assert.Equal(
            new ChatRoleTokens(vocabulary[Gpt2ByteMapping.ToText([0xF8])], vocabulary[Gpt2ByteMapping.ToText([0xF9])], vocabulary[Gpt2ByteMapping.ToText([0xFA])]),
            tokenizer.RoleTokens);
    }

    [Theory]
    [InlineData("#version: 0.2\nĠ a\na\n", "line 3")]
    [InlineData("#version: 0.2\nĠ a\na  b\n", "line 3")]
    [InlineData("#version: 0.2\nĠ a\nq zz\n", "line 3")]
    [InlineData("#version: 0.2\nĠ a\nĠ a\n", "line 3")]
    [InlineData("#version: 0.2\nĠ <|endoftext|>\n", "line 2")]
    public void Malformed_merges_are_rejected_with_file_and_line(string merges, string line)
    {
        string directory = SaveTiny("merges");
        File.WriteAllText(Path.Combine(directory, "merges.txt"), merges);
        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(directory));
        Assert.Contains("merges.txt", ex.Message);
        Assert.Contains(line, ex.Message);
    }

    [Fact]
    public void Malformed_vocabularies_are_rejected_with_file_and_line()
    {
        string directory = SaveTiny("vocab");
        string path = Path.Combine(directory, "vocab.json");
        string valid = File.ReadAllText(path);
        string endOfTextLine = "line " + (Array.FindIndex(valid.Split('\n'), l => l.Contains("<|endoftext|>", StringComparison.Ordinal)) + 1);

        AssertRejected("{ \"a\": 1, ", "vocab.json");
        AssertRejected("[1, 2]", "line 1");
        AssertRejected(valid.Replace("\"<|endoftext|>\": 257", "\"xyzzy\": 257"), "<|endoftext|>");
        AssertRejected(valid.Replace("\"<|endoftext|>\": 257", "\"<|endoftext|>\": 2"), endOfTextLine);
        AssertRejected(valid.Replace("\"<|endoftext|>\": 257", "\"<|endoftext|>\": \"257\""), endOfTextLine);
        AssertRejected(valid.Replace("\"<|endoftext|>\": 257", "\"<|endoftext|>\": 900"), "outside");
        AssertRejected(valid.Replace("\"<|endoftext|>\": 257", "\"<|endoftext|>\": 257, \"Ġa\": 258"), "appears twice");
        AssertRejected(valid.Replace("\"Ġ\": 32", "\"€\": 32"), "outside GPT-2's byte mapping");
        AssertRejected(valid.Replace("\"Ġ\": 32", "\"ĠĠ\": 32"), "no token for byte 0x20");

        void AssertRejected(string content, string expected)
        {
            File.WriteAllText(path, content);
            InvalidDataException ex = Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(directory));
            Assert.Contains("vocab.json", ex.Message);
            Assert.Contains(expected, ex.Message);
        }
    }

    [Fact]
    public void Missing_files_are_named()
    {
        string directory = SaveTiny("missing");
        File.Delete(Path.Combine(directory, "merges.txt"));
        FileNotFoundException ex = Assert.Throws<FileNotFoundException>(() => ByteLevelBpeTokenizer.Load(directory));
        Assert.Contains("merges.txt", ex.Message);
        Assert.Throws<FileNotFoundException>(() => ByteLevelBpeTokenizer.Load(SubDirectory("nowhere")));
    }

    [Fact]
    public void Encoding_in_parallel_matches_encoding_in_sequence()
    {
        ByteLevelBpeTokenizer tokenizer = TrainSmall();
        string[] texts = [.. TestText.EnglishLike(seed: 81, documents: 100), .. TestText.RandomUnicode(seed: 82, count: 200)];
        int[][] sequential = [.. texts.Select(TrainSmall().Encode)];
        var parallel = new int[texts.Length][];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = tokenizer.Encode(texts[i]));
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void The_piece_cache_stays_within_its_capacity()
    {
        ByteLevelBpeTokenizer reference = TrainSmall();
        var merges = reference.Merges.Select(m => (m.Left, m.Right)).ToList();
        BpeModel model = BpeModel.FromTrainedMerges(merges, cacheCapacity: 8);
        var small = new ByteLevelBpeTokenizer(model, directory: null);
        foreach (string text in TestText.EnglishLike(seed: 91, documents: 20))
        {
            Assert.Equal(reference.Encode(text), small.Encode(text));
            Assert.InRange(model.CachedPieces, 1, 8);
        }
    }

    [Fact]
    public void Merging_through_the_queue_matches_the_reference_scan()
    {
        BpeModel model = TrainSmall().Model;
        var random = new Random(101);
        var pieces = new List<string>();
        for (int length = 1; length <= 400; length += 7)
        {
            pieces.Add(new string('a', length));
            pieces.Add(new string([.. Enumerable.Range(0, length).Select(_ => (char)('a' + random.Next(26)))]));
            pieces.Add(string.Concat(Enumerable.Range(0, length).Select(_ => "thequickbrownfox"[random.Next(16)] + (random.Next(3) == 0 ? "the" : ""))));
        }
        pieces.AddRange(TestText.RandomUnicode(seed: 102, count: 100, maxLength: 200));
        pieces.AddRange(TestText.EnglishLike(seed: 103, documents: 20).Select(d => d.Replace(" ", "", StringComparison.Ordinal)));
        foreach (string piece in pieces)
        {
            AssertSameMerges(model, piece);
        }
    }

    [Fact]
    public void Merging_through_the_queue_keeps_rounds_when_a_merge_makes_a_lower_ranked_pair()
    {
        // Rank 0 merges "aa" + "a", a token that only rank 1 makes. Scanning merges every "a a" first ("aaaa" → aa aa),
        // so the queue must finish the round before it looks at the rank-0 pair the first merge created.
        BpeMerge[] merges = [new BpeMerge(256, 'a', 257), new BpeMerge('a', 'a', 256)];
        byte[]?[] tokens = [.. Enumerable.Range(0, 256).Select(b => new[] { (byte)b }), "aa"u8.ToArray(), "aaa"u8.ToArray(), "<|endoftext|>"u8.ToArray()];
        var model = new BpeModel([.. Enumerable.Range(0, 256)], merges, new TokenByteTable(tokens), endOfTextId: 258);
        int[] symbols = model.ToByteIds("aaaa");
        Assert.Equal([256, 256], symbols[..model.MergeWithQueue(symbols)]);
        for (int length = 1; length < 300; length++)
        {
            AssertSameMerges(model, new string('a', length) + "b" + new string('a', length / 2));
        }
    }

    [Fact]
    public void A_long_piece_encodes_quickly_and_exactly()
    {
        // 200,000 letters are one piece; scanning would take seconds, the queue takes milliseconds.
        ByteLevelBpeTokenizer tokenizer = TrainSmall();
        var random = new Random(104);
        string text = new([.. Enumerable.Range(0, 200_000).Select(_ => "etaoinshrdlu"[random.Next(12)])]);
        int[] ids = tokenizer.Encode(text);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.True(ids.Length < text.Length);
    }

    private static void AssertSameMerges(BpeModel model, string piece)
    {
        int[] scanned = model.ToByteIds(piece);
        int[] queued = (int[])scanned.Clone();
        int scannedLength = model.MergeByScanning(scanned);
        int queuedLength = model.MergeWithQueue(queued);
        Assert.Equal(scanned[..scannedLength], queued[..queuedLength]);
    }

    private string SaveTiny(string name)
    {
        string directory = SubDirectory(name);
        BpeTrainer.Train(["a a a a"], 300).Save(directory);
        return directory;
    }

    /// <summary>GPT-2's bytes_to_unicode, written out independently of the code under test.</summary>
    private static List<(byte Byte, char Char)> Gpt2ByteOrder()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToList();
        var order = printable.Select(b => ((byte)b, (char)b)).ToList();
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            if (!printable.Contains(b))
            {
                order.Add(((byte)b, (char)(256 + next++)));
            }
        }
        return order;
    }
}
