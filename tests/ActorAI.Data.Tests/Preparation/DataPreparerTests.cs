using ActorAI.Data;
using System.Text;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;
using ActorAI.Data.SafeTensors;

namespace ActorAI.Data.Tests.Preparation;

public sealed class DataPreparerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Exact_duplicates_after_normalization_are_dropped_and_counted()
    {
        _temp.Write("in/a.txt", "first doc\nsecond   doc\ncaf\u00E9\n");
        string b = _temp.Write("in/b.txt", "first doc  \nthird doc\ncafe\u0301\n");
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("in"));
        options.DocumentMode = TextDocumentMode.Lines;

        DatasetManifest manifest = await Preparation.RunAsync(options);

        Assert.Equal(2, manifest.Drops.Counts.Duplicate);
        Assert.Equal(["first doc", "second doc", "caf\u00E9", "third doc"], Preparation.Documents(Preparation.ReadStream(manifest, DatasetSplit.Train)));
        Assert.Equal([(b, 1L), (b, 3L)], manifest.Drops.Examples.Select(e => (e.File, e.Line)));
        Assert.All(manifest.Drops.Examples, e => Assert.Equal(DropReason.Duplicate, e.Reason));
        Assert.Equal([3L, 3L], manifest.Inputs.Select(i => i.Documents));
        Assert.Equal([3L, 1L], manifest.Inputs.Select(i => i.Kept));
        Assert.Equal(4, manifest.Train.Documents);
    }

    [Fact]
    public async Task An_invalid_utf8_record_is_reported_at_its_line_and_the_rest_of_the_file_is_kept()
    {
        byte[] bad = [.. "para one\nstill one\n\npara two\nbroken "u8, 0xC3, 0x28, .. " here\nend two\n\npara three\n"u8];
        string txt = _temp.WriteBytes("in/mixed.txt", bad);
        string jsonl = _temp.WriteBytes("in/rows.jsonl", [.. "{\"text\":\"ok 1\"}\n{\"text\":\"ok 2\"}\n{\"text\":\"bad "u8, 0xFF, .. "\"}\n{\"text\":\"ok 3\"}\n"u8]);
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("in"));
        options.DocumentMode = TextDocumentMode.Paragraphs;

        DatasetManifest manifest = await Preparation.RunAsync(options);

        Assert.Equal(2, manifest.Drops.Counts.InvalidUtf8);
        DropExample[] examples = [.. manifest.Drops.Examples];
        Assert.Equal((txt, 5L, DropReason.InvalidUtf8), (examples[0].File, examples[0].Line, examples[0].Reason));
        Assert.Contains("byte 8 of the line", examples[0].Detail, StringComparison.Ordinal);
        Assert.Equal((jsonl, 3L, DropReason.InvalidUtf8), (examples[1].File, examples[1].Line, examples[1].Reason));
        Assert.Equal(
            ["para one\nstill one", "para three", "ok 1", "ok 2", "ok 3"],
            Preparation.Documents(Preparation.ReadStream(manifest, DatasetSplit.Train)));
    }

    [Fact]
    public async Task Bad_jsonl_lines_are_reported_by_reason_and_line()
    {
        string path = _temp.Write("rows.jsonl", string.Join("\n",
            "{\"text\": \"kept one\", \"id\": 1}",
            "{not json",
            "[1, 2]",
            "{\"title\": \"no text\"}",
            "{\"text\": 5}",
            "",
            "{\"text\": \"lone \\ud800 surrogate\"}",
            "{\"body\": \"custom field\", \"text\": null}") + "\n");
        DataPreparationOptions options = Preparation.Options(_temp, path);

        DatasetManifest manifest = await Preparation.RunAsync(options);

        Assert.Equal(2, manifest.Drops.Counts.BadJson);
        Assert.Equal(3, manifest.Drops.Counts.MissingField);
        Assert.Equal(1, manifest.Drops.Counts.InvalidUtf8);
        Assert.Equal(
            [(2L, DropReason.BadJson), (3L, DropReason.BadJson), (4L, DropReason.MissingField), (5L, DropReason.MissingField),
             (7L, DropReason.InvalidUtf8), (8L, DropReason.MissingField)],
            manifest.Drops.Examples.Select(e => (e.Line, e.Reason)));
        Assert.Contains("not a string", manifest.Drops.Examples[3].Detail, StringComparison.Ordinal);
        Assert.Equal(7, manifest.Inputs[0].Documents); // the blank line is not a record
        Assert.Equal(["kept one"], Preparation.Documents(Preparation.ReadStream(manifest, DatasetSplit.Train)));

        options.TextField = "body";
        manifest = await Preparation.RunAsync(options);
        Assert.Equal(["custom field"], Preparation.Documents(Preparation.ReadStream(manifest, DatasetSplit.Train)));
    }

    [Fact]
    public async Task Documents_outside_the_length_limits_are_dropped_with_their_reason()
    {
        string path = _temp.Write("lines.txt", string.Join("\n", "tiny", "just right", new string('x', 30), "\u0001\u0002", "caf\u00E9 ok", new string('y', 200)));
        DataPreparationOptions options = Preparation.Options(_temp, path);
        options.DocumentMode = TextDocumentMode.Lines;
        options.MinDocumentChars = 5;
        options.MaxDocumentChars = 20;
        options.MaxRecordBytes = 100;

        DatasetManifest manifest = await Preparation.RunAsync(options);

        Assert.Equal(2, manifest.Drops.Counts.TooShort);
        Assert.Equal(2, manifest.Drops.Counts.TooLong);
        Assert.Equal(
            [(1L, DropReason.TooShort), (3L, DropReason.TooLong), (4L, DropReason.TooShort), (6L, DropReason.TooLong)],
            manifest.Drops.Examples.Select(e => (e.Line, e.Reason)));
        Assert.Contains("MaxDocumentChars is 20", manifest.Drops.Examples[1].Detail, StringComparison.Ordinal);
        Assert.Contains("MaxRecordBytes (100)", manifest.Drops.Examples[3].Detail, StringComparison.Ordinal);
        Assert.Equal(["just right", "caf\u00E9 ok"], Preparation.Documents(Preparation.ReadStream(manifest, DatasetSplit.Train)));
        Assert.Equal(Encoding.UTF8.GetByteCount("just right") + Encoding.UTF8.GetByteCount("caf\u00E9 ok"), manifest.Train.Utf8Bytes);
    }

    [Fact]
    public async Task Separator_mode_reads_fortune_files_and_unsupported_files_are_reported()
    {
        _temp.Write("fortunes/computers", "not read: no extension\n");
        _temp.Write("fortunes/data.csv", "a,b\n");
        _temp.Write("fortunes/.hidden.txt", "hidden files are skipped\n");
        _temp.Write("fortunes/wisdom.txt", "A penny saved.\n%\nTwo\r\nline  fortune\r\n%\n%\n\n%\nLast one\n%");
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("fortunes"));
        options.DocumentMode = TextDocumentMode.Separator;

        DatasetManifest manifest = await Preparation.RunAsync(options);

        Assert.Equal(["A penny saved.", "Two\nline fortune", "Last one"], Preparation.Documents(Preparation.ReadStream(manifest, DatasetSplit.Train)));
        Assert.Equal(2, manifest.Drops.Counts.UnsupportedFile);
        Assert.Equal(["computers", "data.csv", "wisdom.txt"], manifest.Inputs.Select(i => Path.GetFileName(i.Path)));
        Assert.Equal(["unsupported", "unsupported", "txt"], manifest.Inputs.Select(i => i.Format));
        Assert.All(manifest.Drops.Examples, e => Assert.Equal(0, e.Line));
    }

    [Fact]
    public async Task Packing_cuts_the_stream_into_overlapping_blocks_and_counts_the_tail()
    {
        string[] documents = ["alpha beta", "gamma", "delta epsilon zeta", "eta"];
        string path = _temp.Write("docs.txt", string.Join("\n\n", documents));
        DataPreparationOptions options = Preparation.Options(_temp, path);
        options.DocumentMode = TextDocumentMode.Paragraphs;
        options.BlockSize = 4;
        options.TokensPerShard = 15; // three blocks of five tokens per shard

        DatasetManifest manifest = await Preparation.RunAsync(options);

        List<int> expected = [.. documents.SelectMany(d => Encoding.UTF8.GetBytes(d).Select(b => (int)b).Append(0))];
        Assert.Equal(expected.Count, manifest.Train.Tokens);
        long blocks = (expected.Count - 1) / 4;
        Assert.Equal(blocks, manifest.Train.Blocks);
        Assert.Equal(expected.Count - (blocks * 4 + 1), manifest.Train.TailTokens);
        Assert.Equal((blocks + 2) / 3, manifest.Train.Shards.Count);
        Assert.Equal(["train-00000.safetensors", "train-00001.safetensors"], manifest.Train.Shards.Take(2).Select(s => s.File));
        List<int> stream = Preparation.ReadStream(manifest, DatasetSplit.Train);
        Assert.Equal(expected.Take((int)(blocks * 4 + 1)), stream);
        Assert.Equal(documents.Take(3), Preparation.Documents(stream)); // the last document ends in the dropped tail

        using SafeTensorsReader shard = SafeTensorsReader.Open(Path.Combine(manifest.Directory, manifest.Train.Shards[0].File));
        Assert.Equal(SafeTensorDType.U16, shard[DatasetManifest.TokensTensor].DType);
        Assert.Equal([3L, 5L], shard[DatasetManifest.TokensTensor].Shape);
        Assert.Equal("byte", shard.Metadata["tokenizer"]);
        Assert.Equal("4", shard.Metadata["block_size"]);
        Assert.Equal("train", shard.Metadata["split"]);
    }

    [Fact]
    public async Task Output_is_byte_identical_at_any_parallelism()
    {
        WriteCorpus("in", documents: 3000, seed: 1);
        DataPreparationOptions serial = Preparation.Options(_temp, _temp.Combine("in"));
        serial.DocumentMode = TextDocumentMode.Paragraphs;
        serial.ValidationFraction = 0.1;
        serial.TokensPerShard = 20_000;
        serial.BlockSize = 64;
        serial.DegreeOfParallelism = 1;
        serial.OutputDirectory = _temp.Combine("serial");
        DataPreparationOptions parallel = Clone(serial);
        parallel.DegreeOfParallelism = 4;
        parallel.OutputDirectory = _temp.Combine("parallel");

        DatasetManifest first = await Preparation.RunAsync(serial);
        DatasetManifest second = await Preparation.RunAsync(parallel);

        Assert.True(first.Train.Shards.Count > 3, "the corpus should span several shards");
        Assert.True(first.Validation.Documents > 0);
        Assert.True(first.Drops.Counts.Duplicate > 0 && first.Drops.Counts.InvalidUtf8 > 0 && first.Drops.Counts.BadJson > 0);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(first.Directory, DatasetManifest.FileName)),
            File.ReadAllBytes(Path.Combine(second.Directory, DatasetManifest.FileName)));
        foreach (DatasetShard shard in first.Train.Shards.Concat(first.Validation.Shards))
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Directory, shard.File)), File.ReadAllBytes(Path.Combine(second.Directory, shard.File)));
        }
    }

    [Fact]
    public async Task Adding_documents_never_moves_existing_ones_between_splits()
    {
        string[] original = [.. Enumerable.Range(0, 400).Select(i => $"original document number {i}")];
        string[] added = [.. Enumerable.Range(0, 400).Select(i => $"added later {i}")];
        _temp.Write("v1/a.txt", string.Join("\n", original));
        _temp.Write("v2/a.txt", string.Join("\n", original.Take(200)));
        _temp.Write("v2/b.txt", string.Join("\n", added.Take(200).Concat(original.Skip(200)).Concat(added.Skip(200))));

        Dictionary<string, DatasetSplit> before = await SplitsOf("v1");
        Dictionary<string, DatasetSplit> after = await SplitsOf("v2");

        Assert.Equal(400, before.Count);
        Assert.Equal(800, after.Count);
        Assert.All(original, d => Assert.Equal(before[d], after[d]));
        int validation = before.Values.Count(s => s == DatasetSplit.Validation);
        Assert.InRange(validation, 50, 110); // 20 % of 400, loosely

        async Task<Dictionary<string, DatasetSplit>> SplitsOf(string directory)
        {
            DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine(directory));
            options.DocumentMode = TextDocumentMode.Lines;
            options.ValidationFraction = 0.2;
            options.Seed = 7;
            options.BlockSize = 1; // blocks of two tokens: every token is in a block, so no document is lost to the tail
            options.OutputDirectory = _temp.Combine(directory + "-out");
            DatasetManifest manifest = await Preparation.RunAsync(options);
            var splits = new Dictionary<string, DatasetSplit>();
            foreach (DatasetSplit split in new[] { DatasetSplit.Train, DatasetSplit.Validation })
            {
                foreach (string document in Preparation.Documents(Preparation.ReadStream(manifest, split)))
                {
                    splits.Add(document, split);
                }
            }
            return splits;
        }
    }

    [Fact]
    public async Task Progress_reaches_the_total_and_the_manifest_round_trips()
    {
        WriteCorpus("in", documents: 500, seed: 2);
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("in"));
        options.DocumentMode = TextDocumentMode.Paragraphs;
        options.ValidationFraction = 0.05;
        var reports = new List<PreparationProgress>();

        DatasetManifest manifest = await new DataPreparer(FixedTimeProvider.Default).RunAsync(options, new SynchronousProgress<PreparationProgress>(reports.Add));

        PreparationProgress last = reports[^1];
        Assert.True(last.Completed);
        Assert.Equal(last.TotalBytes, last.BytesRead);
        Assert.Equal(1.0, last.Fraction);
        Assert.Equal(manifest.Inputs.Sum(i => i.Bytes), last.TotalBytes);
        Assert.Equal(manifest.Train.Documents + manifest.Validation.Documents, last.DocumentsKept);
        Assert.Equal(manifest.Train.Tokens + manifest.Validation.Tokens, last.Tokens);
        Assert.Equal(manifest.Inputs.Sum(i => i.Documents), last.DocumentsRead);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.BytesRead <= p.Second.BytesRead));

        DatasetManifest loaded = DatasetManifest.Load(options.OutputDirectory);
        Assert.Equal(FixedTimeProvider.Default.GetUtcNow(), loaded.CreatedAt);
        Assert.Equal(TextNormalizer.Version, loaded.Normalization);
        Assert.Equal(manifest.Train.Shards.Select(s => s.Sha256), loaded.Train.Shards.Select(s => s.Sha256));
        Assert.Equal(manifest.Drops.Counts.Duplicate, loaded.Drops.Counts.Duplicate);
        string json = File.ReadAllText(Path.Combine(options.OutputDirectory, DatasetManifest.FileName));
        Assert.Contains("\"invalid_utf8\":", json, StringComparison.Ordinal);
        Assert.Contains("\"token_dtype\": \"U16\"", json, StringComparison.Ordinal);
        Assert.Contains("\"document_mode\": \"paragraphs\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_run_replaces_the_first_and_removes_its_stale_shards()
    {
        WriteCorpus("big", documents: 1000, seed: 3);
        _temp.Write("small/one.txt", "just one small document");
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("big"));
        options.DocumentMode = TextDocumentMode.Paragraphs;
        options.TokensPerShard = 5000;
        DatasetManifest big = await Preparation.RunAsync(options);
        Assert.True(big.Train.Shards.Count > 2);

        options.InputPaths = [_temp.Combine("small")];
        DatasetManifest small = await Preparation.RunAsync(options);

        Assert.Single(small.Train.Shards);
        Assert.Equal(["manifest.json", "train-00000.safetensors"], Directory.GetFileSystemEntries(options.OutputDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Cancellation_stops_the_run_without_a_manifest()
    {
        WriteCorpus("in", documents: 2000, seed: 4);
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("in"));
        options.DocumentMode = TextDocumentMode.Lines;
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new DataPreparer().RunAsync(options, new SynchronousProgress<PreparationProgress>(_ => cancel.Cancel()), cancel.Token));

        Assert.False(File.Exists(Path.Combine(options.OutputDirectory, DatasetManifest.FileName)));
    }

    [Fact]
    public async Task A_missing_input_path_is_named()
    {
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("nowhere"));
        var thrown = await Assert.ThrowsAsync<FileNotFoundException>(() => Preparation.RunAsync(options));
        Assert.Contains("InputPaths", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_tokenizer_is_named()
    {
        _temp.Write("in/a.txt", "text");
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("in"));
        options.Tokenizer = "no-such-tokenizer";
        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => Preparation.RunAsync(options));
        Assert.Contains("Tokenizer 'no-such-tokenizer'", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_output_directory_inside_the_input_is_never_read_back()
    {
        _temp.Write("in/a.txt", "the only document");
        DataPreparationOptions options = Preparation.Options(_temp, _temp.Combine("in"));
        options.OutputDirectory = _temp.Combine("in", "prepared");

        DatasetManifest first = await Preparation.RunAsync(options);
        DatasetManifest second = await Preparation.RunAsync(options);

        Assert.Single(second.Inputs);
        Assert.Equal(0, second.Drops.Counts.UnsupportedFile);
        Assert.Equal(first.Train.Shards.Select(s => s.Sha256), second.Train.Shards.Select(s => s.Sha256));
    }

    /// <summary>
    /// A corpus of <paramref name="documents"/> paragraphs over several .txt and .jsonl files, with duplicates, a few
    /// invalid UTF-8 paragraphs and bad JSON lines.
    /// </summary>
    private void WriteCorpus(string directory, int documents, int seed)
    {
        var random = new Random(seed);
        string[] words = ["the", "model", "learns", "tokens", "from", "text", "caf\u00E9", "na\u0131ve", "\u65E5\u672C", "data", "orleans", "grain"];
        var files = new List<List<byte>> { new(), new(), new() };
        var jsonl = new StringBuilder();
        for (int i = 0; i < documents; i++)
        {
            int length = random.Next(5, 60);
            string text = string.Join(" ", Enumerable.Range(0, length).Select(_ => words[random.Next(words.Length)]));
            if (i % 50 == 7)
            {
                text = "a repeated paragraph that appears many times";
            }
            List<byte> file = files[i % files.Count];
            if (i % 97 == 5)
            {
                file.AddRange([.. Encoding.UTF8.GetBytes("bad bytes "), 0xFE, 0x0A, .. Encoding.UTF8.GetBytes("second line\n\n")]);
                continue;
            }
            if (i % 5 == 0)
            {
                jsonl.Append(i % 89 == 0 ? "{broken\n" : $"{{\"text\": {System.Text.Json.JsonSerializer.Serialize(text)}}}\n");
                continue;
            }
            file.AddRange(Encoding.UTF8.GetBytes(text + "\n\n"));
        }
        for (int f = 0; f < files.Count; f++)
        {
            _temp.WriteBytes($"{directory}/part-{f}.txt", [.. files[f]]);
        }
        _temp.Write($"{directory}/nested/rows.jsonl", jsonl.ToString());
    }

    private static DataPreparationOptions Clone(DataPreparationOptions o) => new()
    {
        InputPaths = [.. o.InputPaths],
        OutputDirectory = o.OutputDirectory,
        TextField = o.TextField,
        DocumentMode = o.DocumentMode,
        DocumentSeparator = o.DocumentSeparator,
        MinDocumentChars = o.MinDocumentChars,
        MaxDocumentChars = o.MaxDocumentChars,
        MaxRecordBytes = o.MaxRecordBytes,
        BlockSize = o.BlockSize,
        ValidationFraction = o.ValidationFraction,
        Seed = o.Seed,
        Tokenizer = o.Tokenizer,
        TokensPerShard = o.TokensPerShard,
        DegreeOfParallelism = o.DegreeOfParallelism,
        MaxDropExamples = o.MaxDropExamples,
    };
}
