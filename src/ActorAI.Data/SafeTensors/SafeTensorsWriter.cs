using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ActorAI.Data.SafeTensors;

/// <summary>
/// Writes a safetensors file. Tensors are added with their shape and a callback that produces their bytes, so a
/// large checkpoint streams to disk without a second copy in memory. The file appears atomically (written beside
/// the target, then renamed) and its SHA-256 is returned.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<(string Name, SafeTensorDType DType, long[] Shape, long Bytes, Action<Stream> Write)> _tensors = [];
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>Adds a string to the <c>__metadata__</c> map.</summary>
    public SafeTensorsWriter AddMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata[key] = value;
        return this;
    }

    /// <summary>Adds a tensor whose bytes are already in memory (little-endian, row-major).</summary>
    public SafeTensorsWriter Add(string name, SafeTensorDType dtype, long[] shape, ReadOnlyMemory<byte> data) =>
        Add(name, dtype, shape, data.Length, stream => stream.Write(data.Span));

    /// <summary>Adds a tensor from an array of elements.</summary>
    public SafeTensorsWriter Add<T>(string name, SafeTensorDType dtype, long[] shape, T[] values) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        if (Marshal.SizeOf<T>() != dtype.Size())
        {
            throw new ArgumentException($"{typeof(T).Name} does not match dtype {dtype}", nameof(values));
        }
        return Add(name, dtype, shape, values.LongLength * dtype.Size(), stream => stream.Write(MemoryMarshal.AsBytes(values.AsSpan())));
    }

    /// <summary>Adds a tensor of <paramref name="byteLength"/> bytes that <paramref name="write"/> produces when the file is written.</summary>
    public SafeTensorsWriter Add(string name, SafeTensorDType dtype, long[] shape, long byteLength, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(write);
        if (name == "__metadata__" || _tensors.Any(t => t.Name == name))
        {
            throw new ArgumentException($"tensor name '{name}' is reserved or already added", nameof(name));
        }
        long bytes = checked(shape.Aggregate(1L, (a, b) => b < 0 ? throw new ArgumentException($"negative dimension in '{name}'", nameof(shape)) : checked(a * b)) * dtype.Size());
        if (bytes != byteLength)
        {
            throw new ArgumentException($"tensor '{name}' is {dtype}[{string.Join(",", shape)}] = {bytes} bytes, not {byteLength}", nameof(byteLength));
        }
        _tensors.Add((name, dtype, (long[])shape.Clone(), byteLength, write));
        return this;
    }

    /// <summary>Writes the file and returns its SHA-256 as lower-case hex.</summary>
    public string Write(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] header = BuildHeader();
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        string hash;
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var hashing = new HashingStream(file))
            {
                Span<byte> prefix = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                hashing.Write(prefix);
                hashing.Write(header);
                foreach (var tensor in _tensors)
                {
                    long before = hashing.Position;
                    tensor.Write(hashing);
                    if (hashing.Position - before != tensor.Bytes)
                    {
                        throw new InvalidOperationException($"tensor '{tensor.Name}' wrote {hashing.Position - before} bytes, expected {tensor.Bytes}");
                    }
                }
                file.Flush(flushToDisk: true);
                hash = Convert.ToHexStringLower(hashing.Hash());
            }
            File.Move(temporary, path, overwrite: true);
            return hash;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private byte[] BuildHeader()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in _metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in _tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToString());
                json.WriteStartArray("shape");
                foreach (long dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Bytes;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
        int padding = (int)((8 - buffer.Length % 8) % 8);
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }

    /// <summary>A write-only stream that hashes what passes through it and counts the bytes.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _position;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public byte[] Hash() => _hash.GetHashAndReset();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
            _position += buffer.Length;
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
