using System.Buffers.Binary;
using System.Globalization;
using ActorAI.Data.Datasets;
using ActorAI.Data.SafeTensors;

namespace ActorAI.Data.Preparation;

/// <summary>
/// Packs one split's token stream into blocks of <c>BlockSize + 1</c> tokens and writes them as safetensors shards.
/// Block <c>i</c> holds stream tokens <c>[i·T, i·T + T + 1)</c>: consecutive blocks share one token, so every token but
/// the first is a target exactly once. Tokens after the last complete block are dropped and counted. One shard is
/// buffered in memory at a time.
/// </summary>
internal sealed class TokenShardWriter
{
    private const int InitialRows = 64;

    private readonly string _directory;
    private readonly string _split;
    private readonly int _rowTokens;
    private readonly int _blocksPerShard;
    private readonly SafeTensorDType _dtype;
    private readonly int _elementBytes;
    private readonly IReadOnlyDictionary<string, string> _metadata;
    private readonly List<DatasetShard> _shards = [];
    private byte[] _buffer;
    private int _rows; // complete rows buffered for the current shard
    private int _fill; // tokens in the row being filled
    private bool _completed;

    public TokenShardWriter(string directory, string split, int blockSize, int tokensPerShard, SafeTensorDType dtype, IReadOnlyDictionary<string, string> metadata)
    {
        _directory = directory;
        _split = split;
        _rowTokens = blockSize + 1;
        _blocksPerShard = Math.Max(1, tokensPerShard / _rowTokens);
        _dtype = dtype;
        _elementBytes = dtype.Size();
        _metadata = metadata;
        _buffer = new byte[(long)Math.Min(InitialRows, _blocksPerShard) * _rowTokens * _elementBytes];
    }

    /// <summary>Tokens appended.</summary>
    public long Tokens { get; private set; }

    /// <summary>Complete blocks so far.</summary>
    public long Blocks { get; private set; }

    /// <summary>Tokens in no complete block (final once <see cref="Complete"/> has run).</summary>
    public long TailTokens => Blocks > 0 ? _fill - 1 : _fill;

    /// <summary>Shards written.</summary>
    public IReadOnlyList<DatasetShard> Shards => _shards;

    /// <summary>Appends tokens to the stream.</summary>
    public void Append(ReadOnlySpan<int> tokens)
    {
        if (_completed)
        {
            throw new InvalidOperationException($"the {_split} split is already complete");
        }
        while (!tokens.IsEmpty)
        {
            int take = Math.Min(tokens.Length, _rowTokens - _fill);
            Write(tokens[..take], _rows * _rowTokens + _fill);
            _fill += take;
            Tokens += take;
            tokens = tokens[take..];
            if (_fill == _rowTokens)
            {
                int overlap = Read((_rows * _rowTokens) + _rowTokens - 1);
                _rows++;
                Blocks++;
                if (_rows == _blocksPerShard)
                {
                    WriteShard();
                }
                EnsureRow(_rows);
                Write([overlap], _rows * _rowTokens);
                _fill = 1;
            }
        }
    }

    /// <summary>Appends one token.</summary>
    public void Append(int token) => Append([token]);

    /// <summary>Writes the last, partly filled shard; the incomplete block is dropped (see <see cref="TailTokens"/>).</summary>
    public void Complete()
    {
        if (!_completed && _rows > 0)
        {
            WriteShard();
        }
        _completed = true;
    }

    private void WriteShard()
    {
        string file = $"{_split}-{_shards.Count.ToString("D5", CultureInfo.InvariantCulture)}.safetensors";
        var writer = new SafeTensorsWriter();
        foreach ((string key, string value) in _metadata)
        {
            writer.AddMetadata(key, value);
        }
        writer.AddMetadata("split", _split);
        writer.AddMetadata("shard", _shards.Count.ToString(CultureInfo.InvariantCulture));
        writer.Add(DatasetManifest.TokensTensor, _dtype, [_rows, _rowTokens], _buffer.AsMemory(0, _rows * _rowTokens * _elementBytes));
        string sha256 = writer.Write(Path.Combine(_directory, file));
        _shards.Add(new DatasetShard { File = file, Blocks = _rows, Sha256 = sha256 });
        _rows = 0;
    }

    private void EnsureRow(int row)
    {
        long required = (long)(row + 1) * _rowTokens * _elementBytes;
        if (required > _buffer.Length)
        {
            long rows = Math.Min(_blocksPerShard, Math.Max(row + 1, 2L * _buffer.Length / (_rowTokens * _elementBytes)));
            Array.Resize(ref _buffer, checked((int)(rows * _rowTokens * _elementBytes)));
        }
    }

    private void Write(ReadOnlySpan<int> tokens, int position)
    {
        Span<byte> destination = _buffer.AsSpan(position * _elementBytes, tokens.Length * _elementBytes);
        if (_elementBytes == 2)
        {
            for (int i = 0; i < tokens.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], (ushort)tokens[i]);
            }
        }
        else
        {
            for (int i = 0; i < tokens.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(destination[(4 * i)..], tokens[i]);
            }
        }
    }

    private int Read(int position) => _elementBytes == 2
        ? BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(position * 2))
        : BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(position * 4));
}
