using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ActorAI.Data.SafeTensors;

namespace ActorAI.Data.Tests.SafeTensors;

public sealed class SafeTensorsRoundTripTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("actorai-st-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    [Fact]
    public void Tensors_of_every_shape_and_dtype_round_trip()
    {
        float[] matrix = [1f, -2.5f, 3.25f, float.MaxValue, float.Epsilon, -0f];
        double[] vector = [Math.PI, -Math.E, double.NegativeInfinity, 1e-300];
        long[] scalar = [-9_007_199_254_740_993];
        Half[] halves = [(Half)1.5f, (Half)(-0.25f)];
        ushort[] bfloat = [0x3F80, 0xC000, 0x7F80]; // 1, -2, +inf
        int[] ints = [int.MinValue, 0, int.MaxValue];
        short[] shorts = [short.MinValue, 7];
        sbyte[] signedBytes = [-128, 127, 0, 1];
        byte[] bytes = [0, 255, 128];
        uint[] uints = [uint.MaxValue];
        ulong[] ulongs = [ulong.MaxValue, 1];
        ushort[] ushorts = [65535, 1];
        byte[] bools = [1, 0, 1];

        string path = PathOf("all.safetensors");
        string hash = new SafeTensorsWriter()
            .AddMetadata("format", "pt")
            .AddMetadata("note", "ünïcödé \"quoted\" \n newline")
            .Add("matrix", SafeTensorDType.F32, [2, 3], matrix)
            .Add("vector", SafeTensorDType.F64, [4], vector)
            .Add("scalar", SafeTensorDType.I64, [], scalar)
            .Add("empty", SafeTensorDType.F32, [0, 3], Array.Empty<float>())
            .Add("halves", SafeTensorDType.F16, [2], halves)
            .Add("bfloat", SafeTensorDType.BF16, [3, 1], bfloat)
            .Add("ints", SafeTensorDType.I32, [3], ints)
            .Add("shorts", SafeTensorDType.I16, [1, 2], shorts)
            .Add("signed.bytes", SafeTensorDType.I8, [2, 2, 1], signedBytes)
            .Add("bytes", SafeTensorDType.U8, [3], bytes)
            .Add("uints", SafeTensorDType.U32, [1], uints)
            .Add("ulongs", SafeTensorDType.U64, [2], ulongs)
            .Add("ushorts", SafeTensorDType.U16, [2], ushorts)
            .Add("bools", SafeTensorDType.BOOL, [3], bools)
            .Write(path);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), hash);

        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Assert.Equal(
            ["matrix", "vector", "scalar", "empty", "halves", "bfloat", "ints", "shorts", "signed.bytes", "bytes", "uints", "ulongs", "ushorts", "bools"],
            reader.Tensors.Select(t => t.Name));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcödé \"quoted\" \n newline" }, reader.Metadata);

        Assert.Equal(matrix, reader.Read<float>("matrix"));
        Assert.Equal(vector, reader.Read<double>("vector"));
        Assert.Equal(scalar, reader.Read<long>("scalar"));
        Assert.Empty(reader.Read<float>("empty"));
        Assert.Equal(halves, reader.Read<Half>("halves"));
        Assert.Equal(bfloat, reader.Read<ushort>("bfloat"));
        Assert.Equal(ints, reader.Read<int>("ints"));
        Assert.Equal(shorts, reader.Read<short>("shorts"));
        Assert.Equal(signedBytes, reader.Read<sbyte>("signed.bytes"));
        Assert.Equal(bytes, reader.Read<byte>("bytes"));
        Assert.Equal(uints, reader.Read<uint>("uints"));
        Assert.Equal(ulongs, reader.Read<ulong>("ulongs"));
        Assert.Equal(ushorts, reader.Read<ushort>("ushorts"));
        Assert.Equal(bools, reader.Read<byte>("bools"));

        SafeTensorInfo scalarInfo = reader["scalar"];
        Assert.Empty(scalarInfo.Shape);
        Assert.Equal(1, scalarInfo.ElementCount);
        Assert.Equal(SafeTensorDType.I64, scalarInfo.DType);
        Assert.Equal(8, scalarInfo.ByteLength);
        SafeTensorInfo emptyInfo = reader["empty"];
        Assert.Equal([0L, 3L], emptyInfo.Shape);
        Assert.Equal(0, emptyInfo.ElementCount);
        Assert.Equal(0, emptyInfo.ByteLength);
        Assert.Equal([2L, 2L, 1L], reader["signed.bytes"].Shape);
        Assert.Equal(SafeTensorDType.BF16, reader["bfloat"].DType);
        Assert.True(reader.Contains("bools"));
        Assert.False(reader.Contains("missing"));
        Assert.Throws<KeyNotFoundException>(() => reader["missing"]);
    }

    [Fact]
    public void Header_is_padded_with_spaces_so_data_starts_8_byte_aligned()
    {
        // Names of several lengths give header lengths with every remainder mod 8 before padding.
        for (int nameLength = 1; nameLength <= 8; nameLength++)
        {
            string path = PathOf($"aligned{nameLength}.safetensors");
            new SafeTensorsWriter().Add(new string('w', nameLength), SafeTensorDType.U8, [3], new byte[] { 1, 2, 3 }).Write(path);
            byte[] file = File.ReadAllBytes(path);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
            Assert.Equal(0UL, headerLength % 8);
            Assert.Equal(8 + (long)headerLength + 3, file.Length);

            string header = Encoding.UTF8.GetString(file, 8, (int)headerLength);
            string json = header.TrimEnd(' ');
            Assert.True(header.Length - json.Length < 8);
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement entry = document.RootElement.GetProperty(new string('w', nameLength));
            Assert.Equal("U8", entry.GetProperty("dtype").GetString());
            Assert.Equal([0, 3], entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal([1, 2, 3], file[^3..]);
        }
    }

    [Fact]
    public void A_file_with_no_tensors_round_trips()
    {
        string path = PathOf("none.safetensors");
        new SafeTensorsWriter().Write(path);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Assert.Empty(reader.Tensors);
        Assert.Empty(reader.Metadata);
    }

    [Fact]
    public void Writing_replaces_the_file_and_leaves_no_temporary_behind()
    {
        string path = PathOf("replace.safetensors");
        new SafeTensorsWriter().Add("a", SafeTensorDType.F32, [1], new[] { 1f }).Write(path);
        new SafeTensorsWriter().Add("b", SafeTensorDType.F32, [2], new[] { 2f, 3f }).Write(path);
        using (SafeTensorsReader reader = SafeTensorsReader.Open(path))
        {
            Assert.Equal(["b"], reader.Tensors.Select(t => t.Name));
        }
        Assert.Equal(["replace.safetensors"], _directory.GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void Streamed_tensors_are_written_by_their_callbacks()
    {
        string path = PathOf("streamed.safetensors");
        new SafeTensorsWriter()
            .Add("ramp", SafeTensorDType.U8, [4, 64], 256, stream =>
            {
                for (int i = 0; i < 256; i++)
                {
                    stream.WriteByte((byte)i);
                }
            })
            .Write(path);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i), reader.Read<byte>("ramp"));

        var wrongLength = new SafeTensorsWriter().Add("short", SafeTensorDType.U8, [4], 4, stream => stream.WriteByte(1));
        Assert.Throws<InvalidOperationException>(() => wrongLength.Write(PathOf("short.safetensors")));
        Assert.False(File.Exists(PathOf("short.safetensors")));
    }

    [Fact]
    public void Writer_rejects_inconsistent_tensors()
    {
        var writer = new SafeTensorsWriter().Add("a", SafeTensorDType.F32, [2], new[] { 1f, 2f });
        Assert.Throws<ArgumentException>(() => writer.Add("a", SafeTensorDType.F32, [1], new[] { 1f }));
        Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", SafeTensorDType.F32, [1], new[] { 1f }));
        Assert.Throws<ArgumentException>(() => writer.Add("b", SafeTensorDType.F32, [3], new[] { 1f, 2f }));
        Assert.Throws<ArgumentException>(() => writer.Add("c", SafeTensorDType.F64, [2], new[] { 1f, 2f }));
        Assert.Throws<ArgumentException>(() => writer.Add("d", SafeTensorDType.F32, [-1], ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void Reader_checks_destination_and_element_type()
    {
        string path = PathOf("checks.safetensors");
        new SafeTensorsWriter().Add("a", SafeTensorDType.F32, [2], new[] { 1f, 2f }).Write(path);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Assert.Throws<ArgumentException>(() => reader.ReadInto("a", new byte[7]));
        Assert.Throws<InvalidOperationException>(() => reader.Read<double>("a"));
        var destination = new byte[8];
        reader.ReadInto("a", destination);
        Assert.Equal(2f, BitConverter.ToSingle(destination, 4));
    }
}
