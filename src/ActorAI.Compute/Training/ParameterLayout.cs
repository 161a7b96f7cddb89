using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorAI.Compute.Training;

/// <summary>One parameter's place in the flattened vector.</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="Offset">First element in the flat vector.</param>
/// <param name="Length">Elements.</param>
/// <param name="Decay">Whether AdamW applies weight decay to it (matrices and embeddings).</param>
public sealed record ParameterSegment(string Name, long Offset, long Length, bool Decay);

/// <summary>
/// The order in which a module's parameters are laid end to end as one float32 vector — how parameter shards split
/// a model and how trainers exchange parameters and gradients as flat buckets (one bulk copy, not per element).
/// </summary>
public sealed class ParameterLayout
{
    private readonly List<Parameter> _parameters;

    /// <summary>Lays out <paramref name="module"/>'s parameters in <c>named_parameters()</c> order.</summary>
    public ParameterLayout(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _parameters = [];
        var shapes = new List<(string, long[])>();
        foreach ((string name, Parameter p) in module.named_parameters())
        {
            if (p.dtype != ScalarType.Float32)
            {
                throw new NotSupportedException($"parameter {name} is {p.dtype}; flat exchange supports float32");
            }
            _parameters.Add(p);
            shapes.Add((name, p.shape));
        }
        (Segments, Count) = Lay(shapes);
    }

    private ParameterLayout(IEnumerable<(string Name, long[] Shape)> shapes)
    {
        _parameters = [];
        (Segments, Count) = Lay(shapes);
    }

    /// <summary>
    /// The layout of a GPT of <paramref name="config"/>, from its shapes alone (no model is built): what parameter
    /// shards and pipeline stages agree on. It has no parameters to read or write.
    /// </summary>
    public static ParameterLayout For(Models.GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ParameterLayout(config.ParameterShapes());
    }

    /// <summary>The segment named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    public ParameterSegment Segment(string name) =>
        Segments.FirstOrDefault(s => s.Name == name) ?? throw new KeyNotFoundException($"no parameter named '{name}' in the layout");

    private static (IReadOnlyList<ParameterSegment>, long) Lay(IEnumerable<(string Name, long[] Shape)> shapes)
    {
        var segments = new List<ParameterSegment>();
        long offset = 0;
        foreach ((string name, long[] shape) in shapes)
        {
            long length = shape.Aggregate(1L, (a, b) => a * b);
            segments.Add(new ParameterSegment(name, offset, length, shape.Length >= 2));
            offset += length;
        }
        return (segments, offset);
    }

    /// <summary>The parameters in order.</summary>
    public IReadOnlyList<ParameterSegment> Segments { get; }

    /// <summary>Total elements.</summary>
    public long Count { get; }

    /// <summary>The contiguous range [offset, offset + length) of shard <paramref name="shard"/> of <paramref name="shards"/>.</summary>
    public (long Offset, int Length) ShardRange(int shard, int shards) => ShardRange(Count, shard, shards);

    /// <summary>The contiguous range of shard <paramref name="shard"/> of <paramref name="shards"/> over <paramref name="count"/> parameters.</summary>
    public static (long Offset, int Length) ShardRange(long count, int shard, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        long start = count * shard / shards;
        long end = count * (shard + 1) / shards;
        return (start, checked((int)(end - start)));
    }

    /// <summary>The pieces of parameters that fall in [offset, offset + length), relative to offset, with their decay flags.</summary>
    public IReadOnlyList<(int Start, int Length, bool Decay)> SegmentsIn(long offset, int length)
    {
        var pieces = new List<(int, int, bool)>();
        long end = offset + length;
        foreach (ParameterSegment s in Segments)
        {
            long from = Math.Max(s.Offset, offset), to = Math.Min(s.Offset + s.Length, end);
            if (from < to)
            {
                pieces.Add(((int)(from - offset), (int)(to - from), s.Decay));
            }
        }
        return pieces;
    }

    /// <summary>Copies every parameter into <paramref name="destination"/> (length <see cref="Count"/>).</summary>
    public void ReadParameters(Span<float> destination) => Gather(destination, p => p);

    /// <summary>Copies every parameter's gradient into <paramref name="destination"/>; zeros where a gradient is absent (frozen).</summary>
    public void ReadGradients(Span<float> destination) => Gather(destination, p => p.grad);

    /// <summary>Sets every parameter from <paramref name="source"/> (length <see cref="Count"/>).</summary>
    public void WriteParameters(ReadOnlySpan<float> source)
    {
        CheckBound();
        if (source.Length != Count)
        {
            throw new ArgumentException($"{source.Length} values for {Count} parameters", nameof(source));
        }
        using var noGrad = no_grad();
        long offset = 0;
        foreach (Parameter p in _parameters)
        {
            int n = (int)p.numel();
            if (p.device.type == DeviceType.CPU && p.is_contiguous())
            {
                source.Slice((int)offset, n).CopyTo(MemoryMarshal.Cast<byte, float>(p.bytes));
            }
            else
            {
                using Tensor staged = tensor(source.Slice((int)offset, n).ToArray(), p.shape);
                p.copy_(staged);
            }
            offset += n;
        }
    }

    private void CheckBound()
    {
        if (_parameters.Count == 0 && Count > 0)
        {
            throw new InvalidOperationException("this layout was derived from a configuration and has no parameters to read or write");
        }
    }

    private void Gather(Span<float> destination, Func<Parameter, Tensor?> select)
    {
        CheckBound();
        if (destination.Length != Count)
        {
            throw new ArgumentException($"{destination.Length} slots for {Count} parameters", nameof(destination));
        }
        long offset = 0;
        foreach (Parameter p in _parameters)
        {
            int n = (int)p.numel();
            Tensor? t = select(p);
            if (t is null)
            {
                destination.Slice((int)offset, n).Clear();
            }
            else
            {
                using Tensor contiguous = t.detach().cpu().contiguous();
                MemoryMarshal.Cast<byte, float>(contiguous.bytes).CopyTo(destination.Slice((int)offset, n));
            }
            offset += n;
        }
    }
}
