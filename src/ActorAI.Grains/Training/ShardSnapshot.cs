using System.Globalization;
using System.Runtime.InteropServices;
using ActorAI.Data.SafeTensors;

namespace ActorAI.Grains.Training;

/// <summary>
/// A parameter shard's snapshot as a safetensors file: the slice (<c>params</c>) and, once training has started,
/// its AdamW moments (<c>exp_avg</c>, <c>exp_avg_sq</c>), with the offset, length, step and optimizer step in the
/// metadata.
/// </summary>
internal sealed record ShardSnapshot(long Offset, float[] Parameters, float[]? ExpAvg, float[]? ExpAvgSq, long Step, long OptimizerStep)
{
    private const string ParamsTensor = "params";
    private const string ExpAvgTensor = "exp_avg";
    private const string ExpAvgSqTensor = "exp_avg_sq";

    public void Write(string path)
    {
        var writer = new SafeTensorsWriter()
            .AddMetadata("actorai.offset", Offset.ToString(CultureInfo.InvariantCulture))
            .AddMetadata("actorai.step", Step.ToString(CultureInfo.InvariantCulture))
            .AddMetadata("actorai.optimizer_step", OptimizerStep.ToString(CultureInfo.InvariantCulture))
            .Add(ParamsTensor, SafeTensorDType.F32, [Parameters.Length], Parameters);
        if (ExpAvg is not null && ExpAvgSq is not null)
        {
            writer.Add(ExpAvgTensor, SafeTensorDType.F32, [ExpAvg.Length], ExpAvg)
                .Add(ExpAvgSqTensor, SafeTensorDType.F32, [ExpAvgSq.Length], ExpAvgSq);
        }
        writer.Write(path);
    }

    public static ShardSnapshot Read(string path, long expectedOffset, int expectedLength)
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        long offset = long.Parse(reader.Metadata["actorai.offset"], CultureInfo.InvariantCulture);
        float[] parameters = reader.Read<float>(ParamsTensor);
        if (offset != expectedOffset || parameters.Length != expectedLength)
        {
            throw new SafeTensorsFormatException(
                $"{path}: snapshot covers [{offset}, +{parameters.Length}) but the shard owns [{expectedOffset}, +{expectedLength})");
        }
        bool hasState = reader.Contains(ExpAvgTensor);
        return new ShardSnapshot(
            offset,
            parameters,
            hasState ? reader.Read<float>(ExpAvgTensor) : null,
            hasState ? reader.Read<float>(ExpAvgSqTensor) : null,
            long.Parse(reader.Metadata["actorai.step"], CultureInfo.InvariantCulture),
            long.Parse(reader.Metadata["actorai.optimizer_step"], CultureInfo.InvariantCulture));
    }

    public static float[] Slice(ReadOnlySpan<float> all, long offset, int length) => all.Slice((int)offset, length).ToArray();

    public static Span<byte> Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan());
}
