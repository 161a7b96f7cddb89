using System.Buffers.Binary;
using System.Text;
using ActorAI.Data.SafeTensors;

namespace ActorAI.Data.Tests.SafeTensors;

/// <summary>Files built byte by byte, as the Python safetensors library lays them out, and malformed variants of them.</summary>
public sealed class SafeTensorsFormatTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("actorai-st-");

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>8-byte little-endian header length, the JSON header padded with spaces to a multiple of 8, then the data.</summary>
    private static byte[] Build(string header, byte[] data, bool pad = true)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        int padding = pad ? (8 - json.Length % 8) % 8 : 0;
        var file = new byte[8 + json.Length + padding + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)(json.Length + padding));
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, padding).Fill((byte)' ');
        data.CopyTo(file, 8 + json.Length + padding);
        return file;
    }

    private string WriteFile(byte[] bytes, string name = "file.safetensors")
    {
        string path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        return bytes;
    }

    [Fact]
    public void A_handcrafted_file_in_the_python_layout_loads()
    {
        // What safetensors.torch.save_file({"weight": w, "bias": b, "step": s}, metadata={"format": "pt"}) writes:
        // compact JSON, __metadata__ first, tensors in offset order, spaces up to 8-byte alignment.
        const string header =
            "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
            + "\"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
            + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[24,32]}}";
        var step = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(step, 1234);
        byte[] file = Build(header, [.. Floats(1f, 2f, 3f, 4f), .. Floats(-0.5f, 0.5f), .. step]);
        Assert.Equal(0, (file.Length - 32 - 8) % 8);

        using SafeTensorsReader reader = SafeTensorsReader.Open(WriteFile(file));
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(["weight", "bias", "step"], reader.Tensors.Select(t => t.Name));
        Assert.Equal([1f, 2f, 3f, 4f], reader.Read<float>("weight"));
        Assert.Equal([2L, 2L], reader["weight"].Shape);
        Assert.Equal([-0.5f, 0.5f], reader.Read<float>("bias"));
        Assert.Equal([1234L], reader.Read<long>("step"));
        Assert.Equal(file.Length - 8, reader["step"].DataOffset);
    }

    [Fact]
    public void Tensors_listed_out_of_offset_order_and_an_unpadded_header_load()
    {
        // Older writers did not pad; header order need not follow the data.
        const string header =
            "{\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[2,5]},\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
            + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[5,5]}}";
        using SafeTensorsReader reader = SafeTensorsReader.Open(WriteFile(Build(header, [10, 11, 20, 21, 22], pad: false)));
        Assert.Equal([10, 11], reader.Read<byte>("a"));
        Assert.Equal([20, 21, 22], reader.Read<byte>("b"));
        Assert.Empty(reader.Read<float>("e"));
    }

    [Fact]
    public void A_file_shorter_than_the_length_prefix_is_rejected() =>
        AssertRejected([1, 2, 3, 4, 5], "shorter than the 8-byte");

    [Fact]
    public void A_header_longer_than_the_file_is_rejected()
    {
        byte[] file = Build("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(file, 1000);
        AssertRejected(file, "header of 1000 bytes");
    }

    [Fact]
    public void An_absurd_header_length_is_rejected()
    {
        byte[] file = Build("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue);
        AssertRejected(file, "header length");
    }

    [Fact]
    public void A_truncated_file_is_rejected()
    {
        string path = Path.Combine(_directory.FullName, "whole.safetensors");
        new SafeTensorsWriter().Add("a", SafeTensorDType.F32, [4], new[] { 1f, 2f, 3f, 4f }).Write(path);
        byte[] whole = File.ReadAllBytes(path);
        AssertRejected(whole[..^3], "truncated");
        AssertRejected(whole[..12], "truncated"); // cut inside the header
    }

    [Fact]
    public void A_header_that_is_not_json_is_rejected()
    {
        AssertRejected(Build("not json at all", []), "not valid JSON");
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",", []), "not valid JSON");
        AssertRejected(Build("[1,2,3]", []), "JSON object");
    }

    [Fact]
    public void An_unknown_dtype_is_rejected()
    {
        AssertRejected(Build("{\"a\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}}", [0]), "unknown dtype");
        AssertRejected(Build("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", [0, 0, 0, 0]), "unknown dtype");
        AssertRejected(Build("{\"a\":{\"dtype\":3,\"shape\":[1],\"data_offsets\":[0,4]}}", [0, 0, 0, 0]), "unknown dtype");
    }

    [Fact]
    public void A_shape_that_disagrees_with_the_offsets_is_rejected()
    {
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "data_offsets span 8");
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]), "invalid dimension");
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8]), "data_offsets");
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8]), "needs dtype, shape and data_offsets");
    }

    [Fact]
    public void Overlapping_tensors_are_rejected() =>
        AssertRejected(Build(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            new byte[12]), "overlaps");

    [Fact]
    public void A_hole_between_tensors_is_rejected() =>
        AssertRejected(Build(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            new byte[12]), "4 unindexed data bytes before tensor 'b'");

    [Fact]
    public void Trailing_bytes_that_belong_to_no_tensor_are_rejected() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[12]), "4 trailing data bytes");

    [Fact]
    public void Duplicate_names_are_rejected()
    {
        AssertRejected(Build(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            new byte[8]), "duplicate entry 'a'");
        AssertRejected(Build("{\"__metadata__\":{},\"__metadata__\":{}}", []), "duplicate entry '__metadata__'");
    }

    [Fact]
    public void Metadata_must_be_a_map_of_strings()
    {
        AssertRejected(Build("{\"__metadata__\":{\"epoch\":3}}", []), "must be a string");
        AssertRejected(Build("{\"__metadata__\":[\"x\"]}", []), "__metadata__ must be an object");
    }

    [Fact]
    public void A_shape_whose_byte_size_overflows_is_rejected() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693953],\"data_offsets\":[0,8]}}", new byte[8]), "shape");

    private void AssertRejected(byte[] file, string expected)
    {
        string path = WriteFile(file, $"bad-{Guid.NewGuid():N}.safetensors");
        SafeTensorsFormatException ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Open(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains(expected, ex.Message);
    }
}
