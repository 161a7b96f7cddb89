using System.Globalization;
using ActorAI.Data.Datasets;
using ActorAI.Data.SafeTensors;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Data.Preparation;

/// <summary>
/// The single, in-order consumer of processed records: drops exact duplicates (first occurrence wins), counts every
/// drop by reason, appends kept documents with an end-of-text id to their split's stream, and finally produces the
/// manifest. Everything that depends on order happens here, so the output is the same at any parallelism.
/// </summary>
internal sealed class DatasetAssembler
{
    // The dedup set costs about 40 bytes per distinct document: a corpus far larger than memory still fits.
    private readonly HashSet<UInt128> _seen = [];
    private readonly long[] _dropCounts = new long[Enum.GetValues<DropReason>().Length];
    private readonly List<DropExample> _examples = [];
    private readonly long[] _inputDocuments;
    private readonly long[] _inputKept;
    private readonly long[] _documents = new long[2];
    private readonly long[] _utf8Bytes = new long[2];
    private readonly TokenShardWriter[] _writers;
    private readonly DataPreparationOptions _options;
    private readonly ITextTokenizer _tokenizer;
    private readonly IReadOnlyList<InputFile> _files;
    private readonly string _directory;
    private readonly SafeTensorDType _dtype;
    private readonly int[] _endOfText;

    public DatasetAssembler(DataPreparationOptions options, ITextTokenizer tokenizer, IReadOnlyList<InputFile> files, string directory)
    {
        _options = options;
        _tokenizer = tokenizer;
        _files = files;
        _directory = directory;
        _inputDocuments = new long[files.Count];
        _inputKept = new long[files.Count];
        _dtype = DatasetManifest.TokenDTypeFor(tokenizer.VocabularySize);
        _endOfText = [tokenizer.EndOfTextId];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "actorai-tokens",
            ["tokenizer"] = tokenizer.Spec,
            ["block_size"] = options.BlockSize.ToString(CultureInfo.InvariantCulture),
        };
        _writers =
        [
            new TokenShardWriter(directory, "train", options.BlockSize, options.TokensPerShard, _dtype, metadata),
            new TokenShardWriter(directory, "validation", options.BlockSize, options.TokensPerShard, _dtype, metadata),
        ];
    }

    public long DocumentsRead { get; private set; }

    public long DocumentsKept { get; private set; }

    public long DocumentsDropped { get; private set; }

    public long Tokens => _writers[0].Tokens + _writers[1].Tokens;

    /// <summary>The shard files written so far.</summary>
    public IEnumerable<string> ShardFiles => _writers.SelectMany(w => w.Shards).Select(s => s.File);

    public void Add(BatchResult batch)
    {
        foreach (ProcessedRecord record in batch.Records)
        {
            if (record.Drop != DropReason.UnsupportedFile)
            {
                DocumentsRead++;
                _inputDocuments[record.FileIndex]++;
            }
            if (record.Drop is DropReason reason)
            {
                Drop(record, reason, record.Detail ?? "");
            }
            else if (!_seen.Add(record.Hash))
            {
                Drop(record, DropReason.Duplicate, "same normalized text as an earlier document");
            }
            else
            {
                int split = record.Validation ? 1 : 0;
                DocumentsKept++;
                _inputKept[record.FileIndex]++;
                _documents[split]++;
                _utf8Bytes[split] += record.Utf8Bytes;
                _writers[split].Append(record.Tokens!);
                _writers[split].Append(_endOfText);
            }
        }
    }

    public DatasetManifest Complete(DateTimeOffset createdAt)
    {
        foreach (TokenShardWriter writer in _writers)
        {
            writer.Complete();
        }
        return new DatasetManifest
        {
            FormatVersion = DatasetManifest.CurrentFormatVersion,
            CreatedAt = createdAt,
            Tokenizer = _tokenizer.Spec,
            VocabularySize = _tokenizer.VocabularySize,
            EndOfTextId = _tokenizer.EndOfTextId,
            TokenDType = _dtype,
            BlockSize = _options.BlockSize,
            Seed = _options.Seed,
            ValidationFraction = _options.ValidationFraction,
            Normalization = TextNormalizer.Version,
            Preparation = new DatasetPreparationSettings
            {
                TextField = _options.TextField,
                DocumentMode = _options.DocumentMode,
                DocumentSeparator = _options.DocumentSeparator,
                MinDocumentChars = _options.MinDocumentChars,
                MaxDocumentChars = _options.MaxDocumentChars,
                MaxRecordBytes = _options.MaxRecordBytes,
                TokensPerShard = _options.TokensPerShard,
            },
            Train = SplitManifest(0),
            Validation = SplitManifest(1),
            Inputs = [.. _files.Select((file, i) => new DatasetInputFile
            {
                Path = file.Path,
                Format = file.FormatName,
                Bytes = file.Bytes,
                Documents = _inputDocuments[i],
                Kept = _inputKept[i],
            })],
            Drops = new DatasetDrops
            {
                Counts = new DropCounts
                {
                    InvalidUtf8 = _dropCounts[(int)DropReason.InvalidUtf8],
                    BadJson = _dropCounts[(int)DropReason.BadJson],
                    MissingField = _dropCounts[(int)DropReason.MissingField],
                    Duplicate = _dropCounts[(int)DropReason.Duplicate],
                    TooShort = _dropCounts[(int)DropReason.TooShort],
                    TooLong = _dropCounts[(int)DropReason.TooLong],
                    UnsupportedFile = _dropCounts[(int)DropReason.UnsupportedFile],
                },
                Examples = _examples,
            },
            Directory = _directory,
        };
    }

    private DatasetSplitManifest SplitManifest(int split) => new()
    {
        Documents = _documents[split],
        Tokens = _writers[split].Tokens,
        Utf8Bytes = _utf8Bytes[split],
        Blocks = _writers[split].Blocks,
        TailTokens = _writers[split].TailTokens,
        Shards = [.. _writers[split].Shards],
    };

    private void Drop(ProcessedRecord record, DropReason reason, string detail)
    {
        DocumentsDropped++;
        _dropCounts[(int)reason]++;
        if (_examples.Count < _options.MaxDropExamples)
        {
            _examples.Add(new DropExample { File = _files[record.FileIndex].Path, Line = record.Line, Reason = reason, Detail = detail });
        }
    }
}
