using ActorAI.Data.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Checkpoints;

/// <summary>Moves TorchSharp tensors in and out of safetensors files without per-element copies.</summary>
public static class TensorFormat
{
    /// <summary>The safetensors dtype of <paramref name="type"/>.</summary>
    public static SafeTensorDType ToSafeTensor(ScalarType type) => type switch
    {
        ScalarType.Float32 => SafeTensorDType.F32,
        ScalarType.Float64 => SafeTensorDType.F64,
        ScalarType.Float16 => SafeTensorDType.F16,
        ScalarType.BFloat16 => SafeTensorDType.BF16,
        ScalarType.Int64 => SafeTensorDType.I64,
        ScalarType.Int32 => SafeTensorDType.I32,
        ScalarType.Int16 => SafeTensorDType.I16,
        ScalarType.Int8 => SafeTensorDType.I8,
        ScalarType.Byte => SafeTensorDType.U8,
        ScalarType.Bool => SafeTensorDType.BOOL,
        _ => throw new NotSupportedException($"tensors of {type} cannot be stored in safetensors"),
    };

    /// <summary>The TorchSharp type of <paramref name="dtype"/>.</summary>
    public static ScalarType ToScalarType(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F32 => ScalarType.Float32,
        SafeTensorDType.F64 => ScalarType.Float64,
        SafeTensorDType.F16 => ScalarType.Float16,
        SafeTensorDType.BF16 => ScalarType.BFloat16,
        SafeTensorDType.I64 => ScalarType.Int64,
        SafeTensorDType.I32 => ScalarType.Int32,
        SafeTensorDType.I16 => ScalarType.Int16,
        SafeTensorDType.I8 => ScalarType.Int8,
        SafeTensorDType.U8 => ScalarType.Byte,
        SafeTensorDType.BOOL => ScalarType.Bool,
        _ => throw new NotSupportedException($"safetensors dtype {dtype} has no TorchSharp equivalent"),
    };

    /// <summary>
    /// Adds <paramref name="value"/> to <paramref name="writer"/>. The tensor is copied to a contiguous CPU tensor now
    /// (detached from any dispose scope; freed after the write) and its bytes stream out when the file is written.
    /// </summary>
    public static SafeTensorsWriter AddTensor(this SafeTensorsWriter writer, string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        Tensor copy = value.detach().to(CPU).contiguous().clone().DetachFromDisposeScope();
        return writer.Add(name, ToSafeTensor(copy.dtype), copy.shape, copy.NumberOfElements * copy.ElementSize, stream =>
        {
            stream.Write(copy.bytes);
            copy.Dispose();
        });
    }

    /// <summary>Copies a float32 tensor (any device, any strides) into a new array with one bulk copy.</summary>
    public static float[] ToFloatArray(this Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using Tensor copy = value.detach().to(ScalarType.Float32).cpu().contiguous().clone();
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(copy.bytes).ToArray();
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new CPU tensor of the stored dtype.</summary>
    public static Tensor ReadTensor(this SafeTensorsReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        SafeTensorInfo info = reader[name];
        Tensor result = empty(info.Shape, ToScalarType(info.DType));
        if (info.ByteLength > 0)
        {
            reader.ReadInto(name, result.bytes);
        }
        return result;
    }
}
