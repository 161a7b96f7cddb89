namespace ActorAI.Data.SafeTensors;

/// <summary>One tensor of a safetensors file.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions (empty for a scalar).</param>
/// <param name="DataOffset">Offset of the first byte within the file.</param>
/// <param name="ByteLength">Number of bytes.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorDType DType, long[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));
}
