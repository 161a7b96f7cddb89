using System.Text;
using System.Text.Json.Nodes;
using ActorAI.Data.Datasets;
using ActorAI.Data.Preparation;
using ActorAI.Data.Tests.Preparation;
using PreparationHelpers = ActorAI.Data.Tests.Preparation.Preparation;

namespace ActorAI.Data.Tests.Datasets;

/// <summary>Reads a dataset prepared once per test: ~600 documents, blocks of 16 tokens, several shards per split.</summary>
public sealed class TokenDatasetTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private DatasetManifest _manifest = null!;

    public async Task InitializeAsync()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 600; i++)
        {
            text.Append("document ").Append(i).Append(" says ").Append(new string((char)('a' + i % 26), 5 + i % 40)).Append('\n');
        }
        _temp.Write("corpus.txt", text.ToString());
        DataPreparationOptions options = PreparationHelpers.Options(_temp, _temp.Combine("corpus.txt"));
        options.DocumentMode = TextDocumentMode.Lines;
        options.BlockSize = 16;
        options.TokensPerShard = 17 * 200;
        options.ValidationFraction = 0.1;
        _manifest = await PreparationHelpers.RunAsync(options);
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(TokenDataset.DefaultMaxCachedBytes)]
    [InlineData(0)] // positioned reads instead of the in-memory copy
    public void Batches_hold_the_blocks_the_sampler_names_with_targets_shifted_by_one(long maxCachedBytes)
    {
        using TokenDataset dataset = TokenDataset.Open(_manifest.Directory, DatasetSplit.Train, maxCachedBytes);
        Assert.Equal(_manifest.Train.Blocks, dataset.BlockCount);
        Assert.True(_manifest.Train.Shards.Count >= 3);
        var reader = new TokenBatchReader(dataset, globalBatchSize: 8, seed: 1);

        TokenBatch batch = reader.GetBatch(step: reader.StepsPerEpoch + 2, rank: 1, worldSize: 2);

        Assert.Equal(4, batch.Rows);
        Assert.Equal(1, batch.Epoch);
        Assert.Equal(reader.Sampler.GetBlockIndices(reader.StepsPerEpoch + 2, 1, 2), batch.BlockIndices);
        var block = new int[17];
        for (int r = 0; r < batch.Rows; r++)
        {
            dataset.ReadBlock(batch.BlockIndices[r], block);
            Assert.Equal(block[..16], batch.Inputs.AsSpan(r * 16, 16).ToArray());
            Assert.Equal(block[1..], batch.Targets.AsSpan(r * 16, 16).ToArray());
        }
        Assert.Equal(reader.GetBatch(5, 0, 1), reader.GetBatch(5, 0, 1), new BatchComparer());
    }

    [Fact]
    public void Blocks_rebuild_the_prepared_token_stream_across_shard_boundaries()
    {
        List<int> stream = PreparationHelpers.ReadStream(_manifest, DatasetSplit.Train);
        Assert.Equal(_manifest.Train.Tokens - _manifest.Train.TailTokens, stream.Count);
        List<string> documents = PreparationHelpers.Documents(stream);
        Assert.True(documents.Count >= _manifest.Train.Documents - 1);
        Assert.All(documents, d => Assert.StartsWith("document ", d, StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluation_batches_cover_every_block_in_order_once()
    {
        using TokenDataset dataset = TokenDataset.Open(_manifest, DatasetSplit.Validation);
        Assert.True(dataset.BlockCount > 10);

        TokenBatch[] batches = [.. dataset.EnumerateEvaluationBatches(batchSize: 4)];

        Assert.Equal(Enumerable.Range(0, (int)dataset.BlockCount).Select(i => (long)i), batches.SelectMany(b => b.BlockIndices));
        Assert.Equal((dataset.BlockCount - 1) % 4 + 1, batches[^1].Rows);
        Assert.Equal(Enumerable.Range(0, batches.Length).Select(i => (long)i), batches.Select(b => b.Step));
        Assert.Equal(2, dataset.EnumerateEvaluationBatches(4, maxBatches: 2).Count());
    }

    [Theory]
    [InlineData(TokenDataset.DefaultMaxCachedBytes)]
    [InlineData(0)]
    public void A_tampered_shard_is_rejected_before_use(long maxCachedBytes)
    {
        DatasetShard shard = _manifest.Train.Shards[1];
        string path = _manifest.GetShardPath(shard);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        using TokenDataset dataset = TokenDataset.Open(_manifest, DatasetSplit.Train, maxCachedBytes);
        var block = new int[17];
        dataset.ReadBlock(0, block); // shard 0 is intact
        var thrown = Assert.Throws<DatasetFormatException>(() => dataset.ReadBlock(shard.Blocks + _manifest.Train.Shards[0].Blocks - 1, block));
        Assert.Contains(shard.File, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("does not match", thrown.Message, StringComparison.Ordinal);
        Assert.Throws<DatasetFormatException>(dataset.VerifyAll);
    }

    [Fact]
    public void A_truncated_shard_is_rejected()
    {
        string path = _manifest.GetShardPath(_manifest.Train.Shards[0]);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);

        using TokenDataset dataset = TokenDataset.Open(_manifest, DatasetSplit.Train);
        var thrown = Assert.Throws<DatasetFormatException>(() => dataset.ReadBlock(0, new int[17]));
        Assert.Contains("truncated", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_load_rejects_missing_files_bad_versions_and_inconsistent_content()
    {
        string manifestPath = Path.Combine(_manifest.Directory, DatasetManifest.FileName);
        string original = File.ReadAllText(manifestPath);

        Assert.Equal(_manifest.Train.Blocks, DatasetManifest.Load(manifestPath).Train.Blocks);
        Assert.Contains("not found", Assert.Throws<DatasetFormatException>(() => DatasetManifest.Load(_temp.Combine("missing"))).Message, StringComparison.Ordinal);

        AssertRejected(j => j["format_version"] = 2, "format_version 2 is not supported; this build reads version 1");
        AssertRejected(j => j.Remove("format_version"), "format_version is missing");
        AssertRejected(j => j.Remove("block_size"), "block_size");
        AssertRejected(j => j["train"]!["blocks"] = 1, "train: blocks is 1 but its shards hold");
        AssertRejected(j => j["train"]!["shards"]![0]!["file"] = "../escape.safetensors", "must be a distinct plain file name");
        AssertRejected(j => j["end_of_text_id"] = 999, "end_of_text_id 999 is outside the vocabulary");
        File.WriteAllText(manifestPath, "{ not json");
        Assert.Contains("not a valid dataset manifest", Assert.Throws<DatasetFormatException>(() => DatasetManifest.Load(manifestPath)).Message, StringComparison.Ordinal);
        File.WriteAllText(manifestPath, original);

        string shard = _manifest.GetShardPath(_manifest.Validation.Shards[0]);
        File.Move(shard, shard + ".moved");
        var missing = Assert.Throws<DatasetFormatException>(() => DatasetManifest.Load(_manifest.Directory));
        Assert.Contains($"validation: shard '{_manifest.Validation.Shards[0].File}' is missing", missing.Message, StringComparison.Ordinal);

        void AssertRejected(Action<JsonObject> corrupt, string expected)
        {
            JsonObject json = JsonNode.Parse(original)!.AsObject();
            corrupt(json);
            File.WriteAllText(manifestPath, json.ToJsonString());
            var thrown = Assert.Throws<DatasetFormatException>(() => DatasetManifest.Load(manifestPath));
            Assert.Contains(expected, thrown.Message, StringComparison.Ordinal);
            File.WriteAllText(manifestPath, original);
        }
    }

    [Fact]
    public void A_detached_manifest_is_read_and_checked_without_its_shards()
    {
        string copy = _temp.Combine("detached", "0123abcd");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(Path.Combine(_manifest.Directory, DatasetManifest.FileName), copy);

        DatasetManifest detached = DatasetManifest.ReadDetached(copy);

        Assert.Equal(_manifest.Train.Blocks, detached.Train.Blocks);
        Assert.Throws<DatasetFormatException>(() => DatasetManifest.Load(copy)); // Load looks for the shards beside it
        File.WriteAllText(copy, "{ not json");
        Assert.Contains("not a valid dataset manifest", Assert.Throws<DatasetFormatException>(() => DatasetManifest.ReadDetached(copy)).Message, StringComparison.Ordinal);
    }

    private sealed class BatchComparer : IEqualityComparer<TokenBatch>
    {
        public bool Equals(TokenBatch? x, TokenBatch? y) =>
            x is not null && y is not null && x.Step == y.Step && x.Epoch == y.Epoch && x.BlockSize == y.BlockSize
            && x.Inputs.SequenceEqual(y.Inputs) && x.Targets.SequenceEqual(y.Targets) && x.BlockIndices.SequenceEqual(y.BlockIndices);

        public int GetHashCode(TokenBatch obj) => obj.Step.GetHashCode();
    }
}
