using System.Buffers.Binary;
using System.Security.Cryptography;
using ActorAI.Data.SafeTensors;
using Microsoft.Win32.SafeHandles;

namespace ActorAI.Data.Datasets;

/// <summary>
/// Random access to the blocks of one split of a prepared dataset. Block indices run through the split's shards in
/// manifest order. Each shard is checked before its first block is served: its safetensors header must describe a
/// <c>tokens</c> tensor of the manifest's dtype and shape, and the whole file must match the manifest's SHA-256, so a
/// tampered or truncated shard is rejected with a <see cref="DatasetFormatException"/> instead of feeding bad data to
/// training. Splits up to <c>maxCachedBytes</c> are held in memory after that check; larger ones are read per block.
/// Thread-safe.
/// </summary>
public sealed class TokenDataset : IDisposable
{
    /// <summary>Splits whose shard files total at most this many bytes are cached in memory by default (256 MiB).</summary>
    public const long DefaultMaxCachedBytes = 256L << 20;

    private readonly Shard[] _shards;
    private readonly long[] _firstBlocks; // _firstBlocks[i] = index of shard i's first block; last entry = BlockCount

    private TokenDataset(DatasetManifest manifest, DatasetSplit split, Shard[] shards)
    {
        Manifest = manifest;
        Split = split;
        _shards = shards;
        _firstBlocks = new long[shards.Length + 1];
        for (int i = 0; i < shards.Length; i++)
        {
            _firstBlocks[i + 1] = _firstBlocks[i] + shards[i].Blocks;
        }
    }

    /// <summary>The dataset's manifest.</summary>
    public DatasetManifest Manifest { get; }

    /// <summary>The split served.</summary>
    public DatasetSplit Split { get; }

    /// <summary>Tokens per sample (<see cref="DatasetManifest.BlockSize"/>); a stored block holds one more.</summary>
    public int BlockSize => Manifest.BlockSize;

    /// <summary>Number of blocks in the split.</summary>
    public long BlockCount => _firstBlocks[^1];

    /// <summary>Opens a split of the dataset whose manifest is at <paramref name="manifestPath"/> (file or directory).</summary>
    /// <exception cref="DatasetFormatException">The manifest is invalid or a shard is missing.</exception>
    public static TokenDataset Open(string manifestPath, DatasetSplit split, long maxCachedBytes = DefaultMaxCachedBytes) =>
        Open(DatasetManifest.Load(manifestPath), split, maxCachedBytes);

    /// <summary>Opens a split of a loaded dataset.</summary>
    /// <exception cref="DatasetFormatException">A shard is missing.</exception>
    public static TokenDataset Open(DatasetManifest manifest, DatasetSplit split, long maxCachedBytes = DefaultMaxCachedBytes)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCachedBytes);
        DatasetSplitManifest splitManifest = manifest.GetSplit(split);
        long totalBytes = 0;
        foreach (DatasetShard shard in splitManifest.Shards)
        {
            string path = manifest.GetShardPath(shard);
            if (!File.Exists(path))
            {
                throw new DatasetFormatException($"{path}: shard of the {split} split is missing");
            }
            totalBytes += new FileInfo(path).Length;
        }
        bool cache = totalBytes <= maxCachedBytes;
        return new TokenDataset(manifest, split, [.. splitManifest.Shards.Select(s => new Shard(manifest, s, cache))]);
    }

    /// <summary>
    /// Copies block <paramref name="index"/> (<see cref="BlockSize"/> + 1 tokens) into <paramref name="destination"/>:
    /// inputs are its first <see cref="BlockSize"/> tokens, targets its last.
    /// </summary>
    /// <exception cref="DatasetFormatException">The block's shard fails its check.</exception>
    public void ReadBlock(long index, Span<int> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BlockCount);
        if (destination.Length != BlockSize + 1)
        {
            throw new ArgumentException($"a block has {BlockSize + 1} tokens; the destination has {destination.Length}", nameof(destination));
        }
        int shard = Array.BinarySearch(_firstBlocks, index);
        shard = shard >= 0 ? shard : ~shard - 1;
        _shards[shard].ReadRow(index - _firstBlocks[shard], destination);
    }

    /// <summary>Checks every shard now (header and SHA-256) rather than before first use.</summary>
    /// <exception cref="DatasetFormatException">A shard fails its check.</exception>
    public void VerifyAll()
    {
        foreach (Shard shard in _shards)
        {
            shard.EnsureVerified();
        }
    }

    /// <summary>
    /// The split's blocks in stored order, <paramref name="batchSize"/> at a time (the last batch may be smaller), for
    /// validation loss: every target token is scored exactly once. <see cref="TokenBatch.Step"/> is the batch index.
    /// </summary>
    public IEnumerable<TokenBatch> EnumerateEvaluationBatches(int batchSize, int? maxBatches = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (maxBatches is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatches), maxBatches, "maxBatches must not be negative");
        }
        return Enumerate();

        IEnumerable<TokenBatch> Enumerate()
        {
            long batches = (BlockCount + batchSize - 1) / batchSize;
            if (maxBatches is int limit)
            {
                batches = Math.Min(batches, limit);
            }
            for (long b = 0; b < batches; b++)
            {
                long first = b * batchSize;
                int rows = (int)Math.Min(batchSize, BlockCount - first);
                var indices = new long[rows];
                for (int r = 0; r < rows; r++)
                {
                    indices[r] = first + r;
                }
                yield return ReadBatch(step: b, epoch: 0, indices);
            }
        }
    }

    /// <summary>Reads the blocks <paramref name="indices"/> into a batch.</summary>
    internal TokenBatch ReadBatch(long step, long epoch, long[] indices)
    {
        int t = BlockSize;
        var inputs = new int[indices.Length * t];
        var targets = new int[indices.Length * t];
        var block = new int[t + 1];
        for (int r = 0; r < indices.Length; r++)
        {
            ReadBlock(indices[r], block);
            block.AsSpan(0, t).CopyTo(inputs.AsSpan(r * t, t));
            block.AsSpan(1, t).CopyTo(targets.AsSpan(r * t, t));
        }
        return new TokenBatch(step, epoch, t, inputs, targets, indices);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Shard shard in _shards)
        {
            shard.Dispose();
        }
    }

    /// <summary>One shard file: checked once, then served from memory or by positioned reads.</summary>
    private sealed class Shard(DatasetManifest manifest, DatasetShard info, bool cache) : IDisposable
    {
        private readonly string _path = manifest.GetShardPath(info);
        private readonly int _rowTokens = manifest.BlockSize + 1;
        private readonly int _elementBytes = manifest.TokenDType.Size();
        private readonly object _gate = new();
        private volatile Verified? _verified;
        private bool _disposed;

        public long Blocks => info.Blocks;

        public void ReadRow(long row, Span<int> destination)
        {
            Verified verified = EnsureVerified();
            int rowBytes = _rowTokens * _elementBytes;
            if (verified.Data is byte[] data)
            {
                Decode(data.AsSpan(checked((int)(verified.DataOffset + row * rowBytes)), rowBytes), destination);
                return;
            }
            Span<byte> bytes = rowBytes <= 4096 ? stackalloc byte[rowBytes] : new byte[rowBytes];
            long offset = verified.DataOffset + row * rowBytes;
            for (int done = 0; done < rowBytes;)
            {
                int read = RandomAccess.Read(verified.File!, bytes[done..], offset + done);
                if (read == 0)
                {
                    throw new DatasetFormatException($"{_path}: the shard became shorter while in use (block {row})");
                }
                done += read;
            }
            Decode(bytes, destination);
        }

        public Verified EnsureVerified()
        {
            Verified? verified = _verified;
            if (verified is not null)
            {
                return verified;
            }
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _verified ??= Verify();
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _verified?.File?.Dispose();
            }
        }

        private Verified Verify()
        {
            long dataOffset;
            try
            {
                using SafeTensorsReader reader = SafeTensorsReader.Open(_path);
                if (!reader.Contains(DatasetManifest.TokensTensor))
                {
                    throw new DatasetFormatException($"{_path}: shard has no '{DatasetManifest.TokensTensor}' tensor");
                }
                SafeTensorInfo tokens = reader[DatasetManifest.TokensTensor];
                if (tokens.DType != manifest.TokenDType || tokens.Shape is not [long rows, long columns] || rows != info.Blocks || columns != _rowTokens)
                {
                    throw new DatasetFormatException(
                        $"{_path}: tensor '{tokens.Name}' is {tokens.DType}[{string.Join(",", tokens.Shape)}] but the manifest expects " +
                        $"{manifest.TokenDType}[{info.Blocks},{_rowTokens}]");
                }
                dataOffset = tokens.DataOffset;
            }
            catch (SafeTensorsFormatException ex)
            {
                throw new DatasetFormatException($"{ex.Message} (shard listed in {Path.Combine(manifest.Directory, DatasetManifest.FileName)})", ex);
            }
            SafeFileHandle file = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            try
            {
                long length = RandomAccess.GetLength(file);
                byte[]? whole = cache ? new byte[length] : null;
                string actual = Hash(file, length, whole);
                if (!string.Equals(actual, info.Sha256, StringComparison.Ordinal))
                {
                    throw new DatasetFormatException(
                        $"{_path}: SHA-256 {actual} does not match {info.Sha256} recorded in the manifest; the shard was modified or " +
                        "corrupted (prepare the dataset again)");
                }
                if (whole is not null)
                {
                    file.Dispose();
                    return new Verified(whole, null, dataOffset);
                }
                return new Verified(null, file, dataOffset);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        // Hashes the whole file; when cache is given, also keeps its bytes, so the bytes served are the bytes checked.
        private string Hash(SafeFileHandle file, long length, byte[]? cache)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = cache ?? new byte[1 << 20];
            long offset = 0;
            while (offset < length)
            {
                Span<byte> chunk = cache is null
                    ? buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - offset))
                    : cache.AsSpan(checked((int)offset));
                int read = RandomAccess.Read(file, chunk, offset);
                if (read == 0)
                {
                    throw new DatasetFormatException($"{_path}: the shard became shorter while being checked");
                }
                hash.AppendData(chunk[..read]);
                offset += read;
            }
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        private void Decode(ReadOnlySpan<byte> bytes, Span<int> destination)
        {
            if (_elementBytes == 2)
            {
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
                }
            }
            else
            {
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                }
            }
        }
    }

    /// <summary>A checked shard: the whole file in memory or an open handle, and the token tensor's offset in the file.</summary>
    private sealed record Verified(byte[]? Data, SafeFileHandle? File, long DataOffset);
}
