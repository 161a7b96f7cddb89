using System.Buffers;

namespace ActorAI.Data.Preparation;

/// <summary>What a raw record is.</summary>
internal enum RecordKind
{
    /// <summary>A document of a <c>.txt</c> file.</summary>
    Text,

    /// <summary>A non-blank line of a <c>.jsonl</c> file.</summary>
    JsonLine,

    /// <summary>A record over <see cref="DataPreparationOptions.MaxRecordBytes"/>; its bytes were not kept.</summary>
    Oversized,

    /// <summary>A file with an unsupported extension (no bytes).</summary>
    UnsupportedFile,
}

/// <summary>A record's place in its batch and in its file.</summary>
/// <param name="FileIndex">Index into the input list.</param>
/// <param name="Line">1-based first line of the record (0 for a whole file).</param>
/// <param name="Offset">Start of its bytes in <see cref="RecordBatch.Data"/>.</param>
/// <param name="Length">Byte count in <see cref="RecordBatch.Data"/>.</param>
/// <param name="Kind">What the record is.</param>
/// <param name="RawBytes">Its size in the file (differs from <paramref name="Length"/> for oversized records).</param>
internal readonly record struct RawRecord(int FileIndex, long Line, int Offset, int Length, RecordKind Kind, long RawBytes);

/// <summary>Consecutive records whose bytes share one pooled buffer; the unit of parallel work.</summary>
internal sealed class RecordBatch(byte[] data, List<RawRecord> records, long bytesRead)
{
    /// <summary>The records' bytes (rented from <see cref="ArrayPool{T}.Shared"/>; see <see cref="Release"/>).</summary>
    public byte[] Data { get; private set; } = data;

    public List<RawRecord> Records { get; } = records;

    /// <summary>Input bytes read once this batch was cut, over all files.</summary>
    public long BytesRead { get; } = bytesRead;

    public ReadOnlySpan<byte> Bytes(RawRecord record) => Data.AsSpan(record.Offset, record.Length);

    /// <summary>Returns the buffer to the pool; the batch must not be used afterwards.</summary>
    public void Release()
    {
        ArrayPool<byte>.Shared.Return(Data);
        Data = [];
    }
}

/// <summary>
/// Reads the input files in order and cuts them into records (documents of <c>.txt</c> files according to
/// <see cref="DataPreparationOptions.DocumentMode"/>, lines of <c>.jsonl</c> files), grouped into batches of about
/// <see cref="BatchBytes"/>. Reading is sequential; the batches are processed in parallel downstream.
/// </summary>
internal sealed class RecordSource(IReadOnlyList<InputFile> files, DataPreparationOptions options)
{
    public const int BatchBytes = 1 << 20;
    public const int BatchRecords = 4096;

    private readonly byte[] _separator = System.Text.Encoding.UTF8.GetBytes(options.DocumentSeparator ?? "");

    public IEnumerable<RecordBatch> ReadBatches(CancellationToken cancellationToken)
    {
        var batch = new BatchBuilder(options.MaxRecordBytes);
        long bytesBefore = 0;
        for (int fileIndex = 0; fileIndex < files.Count; fileIndex++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            InputFile file = files[fileIndex];
            if (file.Format == InputFormat.Unsupported)
            {
                batch.AddUnsupportedFile(fileIndex);
                bytesBefore += file.Bytes; // skipped, but done as far as progress goes
            }
            else
            {
                using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
                var lines = new LineReader(stream, options.MaxRecordBytes);
                while (lines.ReadLine())
                {
                    bool recordEnded = file.Format == InputFormat.JsonLines
                        ? AddJsonLine(batch, lines, fileIndex)
                        : AddTextLine(batch, lines, fileIndex);
                    if (recordEnded && batch.IsFull)
                    {
                        yield return batch.Take(bytesBefore + lines.BytesConsumed);
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }
                batch.EndRecord();
                bytesBefore += lines.BytesConsumed;
            }
            if (batch.IsFull)
            {
                yield return batch.Take(bytesBefore);
            }
        }
        if (!batch.IsEmpty)
        {
            yield return batch.Take(bytesBefore);
        }
    }

    private static bool AddJsonLine(BatchBuilder batch, LineReader lines, int fileIndex)
    {
        if (IsBlank(lines.Line) && !lines.Oversized)
        {
            return false;
        }
        batch.BeginRecord(fileIndex, lines.LineNumber, RecordKind.JsonLine);
        batch.Append(lines);
        batch.EndRecord();
        return true;
    }

    // Returns whether a record ended with this line.
    private bool AddTextLine(BatchBuilder batch, LineReader lines, int fileIndex)
    {
        bool blank = !lines.Oversized && IsBlank(lines.Line);
        switch (options.DocumentMode)
        {
            case TextDocumentMode.Lines:
                if (blank)
                {
                    return false;
                }
                batch.BeginRecord(fileIndex, lines.LineNumber, RecordKind.Text);
                batch.Append(lines);
                return batch.EndRecord();
            case TextDocumentMode.Paragraphs:
                if (blank)
                {
                    return batch.EndRecord();
                }
                break;
            case TextDocumentMode.Separator:
                if (!lines.Oversized && lines.Line.TrimEnd((byte)'\r').SequenceEqual(_separator))
                {
                    return batch.EndRecord();
                }
                break;
            case TextDocumentMode.WholeFile:
                break;
            default:
                throw new InvalidOperationException($"unknown document mode {options.DocumentMode}");
        }
        if (!batch.InRecord)
        {
            batch.BeginRecord(fileIndex, lines.LineNumber, RecordKind.Text);
        }
        batch.Append(lines);
        return false;
    }

    // A line with nothing but ASCII whitespace separates paragraphs and is never a document by itself.
    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r\f\v"u8) < 0;

    /// <summary>Accumulates records into a pooled buffer.</summary>
    private sealed class BatchBuilder(int maxRecordBytes)
    {
        private byte[] _data = ArrayPool<byte>.Shared.Rent(BatchBytes + (1 << 16));
        private int _length;
        private List<RawRecord> _records = [];
        private bool _inRecord;
        private int _recordStart;
        private long _recordRaw;
        private bool _recordOversized;
        private bool _recordHasText;
        private int _recordFile;
        private long _recordLine;
        private RecordKind _recordKind;

        public bool InRecord => _inRecord;

        public bool IsFull => _length >= BatchBytes || _records.Count >= BatchRecords;

        public bool IsEmpty => _records.Count == 0 && !_inRecord;

        public void BeginRecord(int fileIndex, long line, RecordKind kind)
        {
            _inRecord = true;
            _recordStart = _length;
            _recordRaw = 0;
            _recordOversized = false;
            _recordHasText = false;
            _recordFile = fileIndex;
            _recordLine = line;
            _recordKind = kind;
        }

        // Appends a line and, for multi-line text records, its '\n'.
        public void Append(LineReader lines)
        {
            long raw = lines.LineBytes + (_recordKind == RecordKind.Text ? 1 : 0);
            _recordRaw += raw;
            _recordHasText |= lines.Oversized || !IsBlank(lines.Line);
            if (_recordOversized)
            {
                return;
            }
            if (lines.Oversized || _length - _recordStart + raw > maxRecordBytes)
            {
                _recordOversized = true;
                _length = _recordStart;
                return;
            }
            EnsureCapacity(_length + (int)raw);
            lines.Line.CopyTo(_data.AsSpan(_length));
            _length += lines.Line.Length;
            if (_recordKind == RecordKind.Text)
            {
                _data[_length++] = (byte)'\n';
            }
        }

        // Ends the open record, if any; whitespace-only records are discarded. Returns whether a record was added.
        public bool EndRecord()
        {
            if (!_inRecord)
            {
                return false;
            }
            _inRecord = false;
            if (!_recordHasText)
            {
                _length = _recordStart;
                return false;
            }
            _records.Add(_recordOversized
                ? new RawRecord(_recordFile, _recordLine, _recordStart, 0, RecordKind.Oversized, _recordRaw)
                : new RawRecord(_recordFile, _recordLine, _recordStart, _length - _recordStart, _recordKind, _recordRaw));
            return true;
        }

        public void AddUnsupportedFile(int fileIndex) =>
            _records.Add(new RawRecord(fileIndex, 0, _length, 0, RecordKind.UnsupportedFile, 0));

        public RecordBatch Take(long bytesRead)
        {
            if (_inRecord)
            {
                throw new InvalidOperationException("a batch is cut only between records");
            }
            var batch = new RecordBatch(_data, _records, bytesRead);
            _data = ArrayPool<byte>.Shared.Rent(BatchBytes + (1 << 16));
            _length = 0;
            _records = [];
            return batch;
        }

        private void EnsureCapacity(int required)
        {
            if (required <= _data.Length)
            {
                return;
            }
            byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(required, 2L * _data.Length)));
            _data.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_data);
            _data = larger;
        }
    }
}
