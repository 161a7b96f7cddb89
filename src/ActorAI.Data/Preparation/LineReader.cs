namespace ActorAI.Data.Preparation;

/// <summary>
/// Reads a stream line by line as raw bytes, so that UTF-8 can be validated per record with the line it came from
/// (a <see cref="StreamReader"/> would silently replace bad bytes). Lines end at <c>\n</c>; a trailing <c>\r</c> is left
/// in the line for the normalizer. A leading UTF-8 byte-order mark is skipped. A line longer than the limit is skipped
/// without being buffered and reported as oversized, so memory stays bounded whatever the input.
/// </summary>
internal sealed class LineReader
{
    private const int InitialBufferBytes = 1 << 16;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer = new byte[InitialBufferBytes];
    private int _start;   // first unread byte
    private int _end;     // end of the bytes read from the stream
    private int _scanned; // bytes after _start already known to hold no '\n'
    private int _lineStart;
    private int _lineLength;
    private bool _endOfStream;
    private bool _started;

    public LineReader(Stream stream, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLineBytes);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>1-based number of the line last read.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes of the stream consumed so far, line terminators and byte-order mark included.</summary>
    public long BytesConsumed { get; private set; }

    /// <summary>The line last read, without its <c>\n</c>; empty when <see cref="Oversized"/>. Valid until the next read.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>Whether the line last read was longer than the limit (and so was skipped).</summary>
    public bool Oversized { get; private set; }

    /// <summary>Length in bytes of the line last read, without its <c>\n</c>, also when it was oversized.</summary>
    public long LineBytes { get; private set; }

    /// <summary>Reads the next line; <see langword="false"/> at the end of the stream.</summary>
    public bool ReadLine()
    {
        if (!_started)
        {
            _started = true;
            SkipByteOrderMark();
        }
        Oversized = false;
        while (true)
        {
            int newline = _buffer.AsSpan(_start + _scanned, _end - _start - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return Take(_scanned + newline, terminated: true);
            }
            _scanned = _end - _start;
            if (_endOfStream)
            {
                return _start < _end && Take(_end - _start, terminated: false);
            }
            if (_end - _start > _maxLineBytes)
            {
                SkipOversizedLine();
                return true;
            }
            Fill();
        }
    }

    private bool Take(int length, bool terminated)
    {
        _lineStart = _start;
        _lineLength = length;
        LineBytes = length;
        int consumed = length + (terminated ? 1 : 0);
        _start += consumed;
        _scanned = 0;
        BytesConsumed += consumed;
        LineNumber++;
        return true;
    }

    // Makes room after _end (compacting, then growing up to one byte past the line limit) and reads into it.
    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            // ReadLine reports an oversized line before the buffer holds more than the limit, so this always grows.
            long size = Math.Min((long)_buffer.Length * 2, Math.Min(Array.MaxLength, (long)_maxLineBytes + 1));
            Array.Resize(ref _buffer, (int)Math.Max(size, _buffer.Length + 1L));
        }
        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfStream = true;
        }
        _end += read;
    }

    private void SkipOversizedLine()
    {
        long length = _end - _start;
        _start = _end = _scanned = 0;
        while (true)
        {
            int read = _stream.Read(_buffer, 0, _buffer.Length);
            if (read == 0)
            {
                _endOfStream = true;
                BytesConsumed += length;
                break;
            }
            int newline = _buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                length += newline;
                BytesConsumed += length + 1;
                _start = newline + 1;
                _end = read;
                break;
            }
            length += read;
        }
        _lineStart = 0;
        _lineLength = 0;
        LineBytes = length;
        Oversized = true;
        LineNumber++;
    }

    private void SkipByteOrderMark()
    {
        while (_end < 3 && !_endOfStream)
        {
            Fill();
        }
        if (_end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _start = 3;
            BytesConsumed = 3;
        }
    }
}
