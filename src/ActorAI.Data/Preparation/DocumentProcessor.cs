using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using ActorAI.Data.Datasets;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Data.Preparation;

/// <summary>The outcome for one raw record: a drop with its reason, or a kept document with its tokens.</summary>
/// <param name="FileIndex">Index into the input list.</param>
/// <param name="Line">1-based line the outcome refers to (the bad line for invalid UTF-8; 0 for a whole file).</param>
/// <param name="Drop">Why the record was dropped; <see langword="null"/> for a document.</param>
/// <param name="Detail">Details of a drop.</param>
/// <param name="Hash">128-bit content hash of the normalized text (SHA-256, truncated).</param>
/// <param name="Validation">Whether the document belongs to the validation split.</param>
/// <param name="Tokens">The document's tokens (no end-of-text).</param>
/// <param name="Utf8Bytes">UTF-8 bytes of the normalized text.</param>
internal readonly record struct ProcessedRecord(
    int FileIndex, long Line, DropReason? Drop, string? Detail, UInt128 Hash, bool Validation, int[]? Tokens, long Utf8Bytes);

/// <summary>The outcomes of one batch, in record order.</summary>
internal sealed class BatchResult(List<ProcessedRecord> records, long bytesRead)
{
    public List<ProcessedRecord> Records { get; } = records;

    /// <summary>Input bytes read once the batch was cut.</summary>
    public long BytesRead { get; } = bytesRead;
}

/// <summary>
/// Turns raw records into documents: strict UTF-8 decoding, JSON field extraction, normalization, length limits,
/// content hash, split assignment and tokenization. Stateless and thread-safe; deduplication happens downstream, in
/// input order, so the outcome does not depend on which worker ran first.
/// </summary>
internal sealed class DocumentProcessor
{
    private const ulong SplitBuckets = 1_000_000;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly DataPreparationOptions _options;
    private readonly ITextTokenizer _tokenizer;
    private readonly IReadOnlyList<InputFile> _files;
    private readonly ulong _validationBuckets;
    private readonly ulong _seedMix;

    public DocumentProcessor(DataPreparationOptions options, ITextTokenizer tokenizer, IReadOnlyList<InputFile> files)
    {
        _options = options;
        _tokenizer = tokenizer;
        _files = files;
        _validationBuckets = (ulong)Math.Round(options.ValidationFraction * SplitBuckets);
        _seedMix = SplitMix64.Mix(options.Seed);
    }

    /// <summary>Processes every record of <paramref name="batch"/> and releases its buffer.</summary>
    public BatchResult Process(RecordBatch batch)
    {
        try
        {
            var results = new List<ProcessedRecord>(batch.Records.Count);
            foreach (RawRecord record in batch.Records)
            {
                results.Add(Process(batch, record));
            }
            return new BatchResult(results, batch.BytesRead);
        }
        finally
        {
            batch.Release();
        }
    }

    /// <summary>
    /// Whether a document with content hash <paramref name="hash"/> goes to validation: a pure function of the
    /// document and the seed, so adding documents never moves existing ones between splits.
    /// </summary>
    public bool IsValidation(UInt128 hash) => SplitMix64.Mix((ulong)hash ^ _seedMix) % SplitBuckets < _validationBuckets;

    private ProcessedRecord Process(RecordBatch batch, RawRecord record)
    {
        switch (record.Kind)
        {
            case RecordKind.UnsupportedFile:
                string extension = Path.GetExtension(_files[record.FileIndex].Path);
                return Dropped(record, DropReason.UnsupportedFile,
                    $"extension '{(extension.Length == 0 ? "(none)" : extension)}' is not .txt or .jsonl; file skipped");
            case RecordKind.Oversized:
                return Dropped(record, DropReason.TooLong, $"record of {record.RawBytes} bytes exceeds MaxRecordBytes ({_options.MaxRecordBytes})");
        }
        ReadOnlySpan<byte> bytes = batch.Bytes(record);
        int invalid = FindInvalidUtf8(bytes);
        if (invalid >= 0)
        {
            ReadOnlySpan<byte> before = bytes[..invalid];
            int lineStart = before.LastIndexOf((byte)'\n') + 1;
            return Dropped(record with { Line = record.Line + before.Count((byte)'\n') }, DropReason.InvalidUtf8,
                $"invalid UTF-8 at byte {invalid - lineStart + 1} of the line");
        }
        string text;
        if (record.Kind == RecordKind.JsonLine)
        {
            ProcessedRecord? failure = TryReadJsonText(batch.Data.AsMemory(record.Offset, record.Length), record, out text);
            if (failure is not null)
            {
                return failure.Value;
            }
        }
        else
        {
            text = s_strictUtf8.GetString(bytes);
        }
        return Document(record, TextNormalizer.Normalize(text));
    }

    private ProcessedRecord? TryReadJsonText(ReadOnlyMemory<byte> json, RawRecord record, out string text)
    {
        text = "";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            return Dropped(record, DropReason.BadJson, ex.Message);
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Dropped(record, DropReason.BadJson, $"the line is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }
            if (!root.TryGetProperty(_options.TextField, out JsonElement field))
            {
                return Dropped(record, DropReason.MissingField, $"no \"{_options.TextField}\" field");
            }
            if (field.ValueKind != JsonValueKind.String)
            {
                return Dropped(record, DropReason.MissingField,
                    $"\"{_options.TextField}\" is a JSON {field.ValueKind.ToString().ToLowerInvariant()}, not a string");
            }
            try
            {
                text = field.GetString()!;
            }
            catch (InvalidOperationException)
            {
                // An escaped unpaired surrogate (e.g. "\ud800") has no UTF-8 form.
                return Dropped(record, DropReason.InvalidUtf8, $"\"{_options.TextField}\" holds an unpaired surrogate escape");
            }
            return null;
        }
    }

    private ProcessedRecord Document(RawRecord record, string normalized)
    {
        int characters = normalized.Length;
        foreach (char c in normalized)
        {
            if (char.IsLowSurrogate(c))
            {
                characters--;
            }
        }
        if (characters < _options.MinDocumentChars)
        {
            return Dropped(record, DropReason.TooShort, $"{characters} characters after normalization; MinDocumentChars is {_options.MinDocumentChars}");
        }
        if (characters > _options.MaxDocumentChars)
        {
            return Dropped(record, DropReason.TooLong, $"{characters} characters after normalization; MaxDocumentChars is {_options.MaxDocumentChars}");
        }
        int byteCount = s_strictUtf8.GetByteCount(normalized);
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(byteCount);
        UInt128 hash;
        try
        {
            s_strictUtf8.GetBytes(normalized, utf8);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(utf8.AsSpan(0, byteCount), digest);
            hash = BinaryPrimitives.ReadUInt128LittleEndian(digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
        int[] tokens = _tokenizer.Encode(normalized);
        foreach (int token in tokens)
        {
            if ((uint)token >= (uint)_tokenizer.VocabularySize || token == _tokenizer.EndOfTextId)
            {
                throw new InvalidOperationException(
                    $"tokenizer '{_tokenizer.Spec}' produced id {token} for the document at {_files[record.FileIndex].Path}:{record.Line}; " +
                    $"ids must be below {_tokenizer.VocabularySize} and never the end-of-text id {_tokenizer.EndOfTextId}");
            }
        }
        return new ProcessedRecord(record.FileIndex, record.Line, null, null, hash, IsValidation(hash), tokens, byteCount);
    }

    private static ProcessedRecord Dropped(RawRecord record, DropReason reason, string detail) =>
        new(record.FileIndex, record.Line, reason, detail, default, false, null, 0);

    // Offset of the first byte that is not part of well-formed UTF-8 (overlongs, surrogates and values over
    // U+10FFFF included), or -1. The vectorized check runs first; the scalar scan only for bad records.
    private static int FindInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return -1;
        }
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != OperationStatus.Done)
            {
                return offset;
            }
            offset += consumed;
        }
        return bytes.Length;
    }
}
