using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace ActorAI.Data.SafeTensors;

/// <summary>
/// Reads a safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
/// a JSON header naming each tensor's dtype, shape and byte range, then the data. The whole header is validated on
/// open: a truncated or malformed file is rejected with a <see cref="SafeTensorsFormatException"/> before any
/// tensor is read.
/// </summary>
public sealed class SafeTensorsReader : IDisposable
{
    /// <summary>Largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsReader(string path, SafeFileHandle file, List<SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _file = file;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Tensors in file order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The free-form <c>__metadata__</c> string map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public SafeTensorInfo this[string name] => _byName.TryGetValue(name, out SafeTensorInfo? info)
        ? info
        : throw new KeyNotFoundException($"{Path} has no tensor named '{name}'");

    /// <summary>Whether a tensor named <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is truncated or malformed.</exception>
    public static SafeTensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            (List<SafeTensorInfo> tensors, Dictionary<string, string> metadata) = ReadHeader(path, file);
            return new SafeTensorsReader(path, file, tensors, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Copies the bytes of tensor <paramref name="name"/> into <paramref name="destination"/>.</summary>
    public void ReadInto(string name, Span<byte> destination)
    {
        SafeTensorInfo info = this[name];
        if (destination.Length != info.ByteLength)
        {
            throw new ArgumentException($"tensor '{name}' has {info.ByteLength} bytes; the destination has {destination.Length}", nameof(destination));
        }
        long offset = info.DataOffset;
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_file, destination, offset);
            if (read == 0)
            {
                throw new SafeTensorsFormatException($"{Path}: unexpected end of file reading tensor '{name}'");
            }
            destination = destination[read..];
            offset += read;
        }
    }

    /// <summary>Reads tensor <paramref name="name"/> as an array of <typeparamref name="T"/> (whose size must match the dtype).</summary>
    public T[] Read<T>(string name) where T : unmanaged
    {
        SafeTensorInfo info = this[name];
        int size = Marshal.SizeOf<T>();
        if (size != info.DType.Size())
        {
            throw new InvalidOperationException($"tensor '{name}' is {info.DType} ({info.DType.Size()} bytes per element), not {typeof(T).Name}");
        }
        var values = new T[checked((int)info.ElementCount)];
        ReadInto(name, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private static (List<SafeTensorInfo>, Dictionary<string, string>) ReadHeader(string path, SafeFileHandle file)
    {
        long fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
        {
            throw new SafeTensorsFormatException($"{path}: truncated: {fileLength} bytes is shorter than the 8-byte header length");
        }
        Span<byte> prefix = stackalloc byte[8];
        RandomAccess.Read(file, prefix, 0);
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
        {
            throw new SafeTensorsFormatException($"{path}: header length {headerLength} is outside 2..{MaxHeaderBytes}");
        }
        if (8 + (long)headerLength > fileLength)
        {
            throw new SafeTensorsFormatException($"{path}: truncated: header of {headerLength} bytes but the file has {fileLength}");
        }
        var header = new byte[headerLength];
        for (int read = 0; read < header.Length;)
        {
            int n = RandomAccess.Read(file, header.AsSpan(read), 8 + read);
            if (n == 0)
            {
                throw new SafeTensorsFormatException($"{path}: truncated while reading the header");
            }
            read += n;
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(header.AsMemory().TrimEnd((byte)' '));
        }
        catch (JsonException ex)
        {
            throw new SafeTensorsFormatException($"{path}: header is not valid JSON: {ex.Message}", ex);
        }
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsFormatException($"{path}: header must be a JSON object");
            }
            var tensors = new List<SafeTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in json.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new SafeTensorsFormatException($"{path}: duplicate entry '{property.Name}' in the header");
                }
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }
                tensors.Add(ReadEntry(path, property, dataStart, dataLength));
            }
            CheckCoverage(path, tensors, dataStart, dataLength);
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException($"{path}: __metadata__ must be an object of strings");
        }
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsFormatException($"{path}: __metadata__ value '{entry.Name}' must be a string");
            }
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafeTensorInfo ReadEntry(string path, JsonProperty property, long dataStart, long dataLength)
    {
        string name = property.Name;
        JsonElement entry = property.Value;
        if (entry.ValueKind != JsonValueKind.Object
            || !entry.TryGetProperty("dtype", out JsonElement dtypeElement)
            || !entry.TryGetProperty("shape", out JsonElement shapeElement)
            || !entry.TryGetProperty("data_offsets", out JsonElement offsetsElement))
        {
            throw new SafeTensorsFormatException($"{path}: tensor '{name}' needs dtype, shape and data_offsets");
        }
        if (!SafeTensorDTypes.TryParse(dtypeElement.ValueKind == JsonValueKind.String ? dtypeElement.GetString() : null, out SafeTensorDType dtype))
        {
            throw new SafeTensorsFormatException($"{path}: tensor '{name}' has unknown dtype {dtypeElement.GetRawText()}");
        }
        if (shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new SafeTensorsFormatException($"{path}: tensor '{name}' shape must be an array");
        }
        long[] shape = [.. shapeElement.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long v) && v >= 0
            ? v
            : throw new SafeTensorsFormatException($"{path}: tensor '{name}' has an invalid dimension {d.GetRawText()}"))];
        long[] offsets = offsetsElement.ValueKind == JsonValueKind.Array
            ? [.. offsetsElement.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.Number && o.TryGetInt64(out long v) && v >= 0 ? v : -1)]
            : [];
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
        {
            throw new SafeTensorsFormatException($"{path}: tensor '{name}' data_offsets must be [begin, end] with 0 <= begin <= end");
        }
        if (offsets[1] > dataLength)
        {
            throw new SafeTensorsFormatException($"{path}: truncated: tensor '{name}' ends at data byte {offsets[1]} but only {dataLength} data bytes exist");
        }
        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * dtype.Size());
        }
        catch (OverflowException ex)
        {
            throw new SafeTensorsFormatException($"{path}: tensor '{name}' shape [{string.Join(",", shape)}] overflows", ex);
        }
        if (bytes != offsets[1] - offsets[0])
        {
            throw new SafeTensorsFormatException(
                $"{path}: tensor '{name}' is {dtype}[{string.Join(",", shape)}] = {bytes} bytes but data_offsets span {offsets[1] - offsets[0]}");
        }
        return new SafeTensorInfo(name, dtype, shape, dataStart + offsets[0], offsets[1] - offsets[0]);
    }

    // The format requires the tensors to index the whole data buffer with no holes and no overlap.
    private static void CheckCoverage(string path, List<SafeTensorInfo> tensors, long dataStart, long dataLength)
    {
        long expected = dataStart;
        foreach (SafeTensorInfo tensor in tensors.OrderBy(t => t.DataOffset).ThenBy(t => t.ByteLength))
        {
            if (tensor.DataOffset != expected)
            {
                throw new SafeTensorsFormatException(tensor.DataOffset < expected
                    ? $"{path}: tensor '{tensor.Name}' overlaps the tensor before it"
                    : $"{path}: {tensor.DataOffset - expected} unindexed data bytes before tensor '{tensor.Name}'");
            }
            expected += tensor.ByteLength;
        }
        if (expected != dataStart + dataLength)
        {
            throw new SafeTensorsFormatException($"{path}: {dataStart + dataLength - expected} trailing data bytes belong to no tensor");
        }
    }
}
