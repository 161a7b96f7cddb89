using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Compute.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Pipeline;

/// <summary>
/// Training of one pipeline stage, GPipe style: micro-batches go forward one call at a time and each keeps its input
/// and output (with the autograd graph between them) until its backward, which accumulates the stage's parameter
/// gradients and returns the gradient of its input. Every call opens and closes its own dispose scope on the calling
/// thread; only the kept tensors outlive it. Not thread-safe: one call at a time.
/// </summary>
public sealed class StageTrainer : IDisposable
{
    private readonly GptStage _stage;
    private readonly ParameterLayout _layout;
    private readonly Device _device;
    private readonly Dictionary<int, (Tensor? Input, Tensor Output)> _kept = [];

    /// <summary>Builds stage <paramref name="range"/> of a model of <paramref name="config"/> on <paramref name="device"/>.</summary>
    public StageTrainer(GptConfig config, StageRange range, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(range);
        _device = device ?? CPU;
        _stage = new GptStage(config, range, _device);
        _stage.train();
        _layout = new ParameterLayout(_stage);
        Map = StageParameterMap.For(config, range);
        if (_layout.Count != Map.Count)
        {
            throw new InvalidOperationException($"stage {range.Index} holds {_layout.Count} parameters; its map expects {Map.Count}");
        }
    }

    /// <summary>Where the stage's parameters sit in the whole model.</summary>
    public StageParameterMap Map { get; }

    /// <summary>Which blocks the stage holds.</summary>
    public StageRange Range => _stage.Range;

    /// <summary>Micro-batches forwarded and not yet backward.</summary>
    public int Kept => _kept.Count;

    /// <summary>Sets the stage's parameters (flat, <see cref="Map"/>'s stage order), clears its gradients and drops kept micro-batches.</summary>
    public void Load(ReadOnlySpan<float> parameters)
    {
        Drop();
        _layout.WriteParameters(parameters);
        _stage.zero_grad();
    }

    /// <summary>
    /// Runs micro-batch <paramref name="micro"/> forward. The first stage takes <paramref name="tokens"/> (rows × T), the
    /// others <paramref name="hidden"/> of <paramref name="shape"/> (B, T, C). Returns the output (B, T, C) as a flat
    /// array and its shape, or from the last stage null and the mean cross-entropy against <paramref name="targets"/> in
    /// <paramref name="loss"/>.
    /// </summary>
    public (float[] Values, long[] Shape)? Forward(int micro, int rows, int blockSize, int[]? tokens, float[]? hidden, long[]? shape, int[]? targets, out double loss)
    {
        if (_kept.ContainsKey(micro))
        {
            throw new InvalidOperationException($"micro-batch {micro} already went forward through stage {Range.Index}");
        }
        using var scope = NewDisposeScope();
        Tensor input = Range.First
            ? Ids(tokens ?? throw new ArgumentNullException(nameof(tokens), "the first stage takes tokens"), rows, blockSize)
            : tensor(hidden ?? throw new ArgumentNullException(nameof(hidden), "a later stage takes activations"), shape!).to(_device).requires_grad_(true);
        Tensor output = _stage.call(input); // (B, T, C), or logits (B, T, V) from the last
        (float[], long[])? result = null;
        loss = 0;
        if (Range.Last)
        {
            Tensor y = Ids(targets ?? throw new ArgumentNullException(nameof(targets), "the last stage takes targets"), rows, blockSize);
            output = nn.functional.cross_entropy(output.view(-1, output.shape[^1]), y.view(-1));
            loss = output.item<float>();
        }
        else
        {
            result = (output.ToFloatArray(), output.shape);
        }
        _kept[micro] = (Range.First ? null : input.DetachFromDisposeScope(), output.DetachFromDisposeScope());
        return result;
    }

    /// <summary>
    /// Runs micro-batch <paramref name="micro"/> backward: the last stage from its loss times <paramref name="lossScale"/>,
    /// the others from <paramref name="outputGradient"/> (the gradient of their output). Returns the gradient of the
    /// stage's input (B, T, C) and its shape, or null from the first stage.
    /// </summary>
    public (float[] Values, long[] Shape)? Backward(int micro, float[]? outputGradient, double lossScale)
    {
        if (!_kept.Remove(micro, out var kept))
        {
            throw new InvalidOperationException($"micro-batch {micro} has not gone forward through stage {Range.Index}");
        }
        try
        {
            using var scope = NewDisposeScope();
            if (Range.Last)
            {
                (kept.Output * lossScale).backward();
            }
            else
            {
                Tensor gradient = tensor(outputGradient ?? throw new ArgumentNullException(nameof(outputGradient)), kept.Output.shape).to(_device);
                autograd.backward([kept.Output], [gradient]);
            }
            return kept.Input is { } input && input.grad is { } grad ? (grad.ToFloatArray(), input.shape) : null;
        }
        finally
        {
            kept.Input?.Dispose();
            kept.Output.Dispose();
        }
    }

    /// <summary>Copies the stage's accumulated gradients into <paramref name="destination"/> (flat, stage order).</summary>
    public void ReadGradients(Span<float> destination) => _layout.ReadGradients(destination);

    /// <inheritdoc />
    public void Dispose()
    {
        Drop();
        _stage.Dispose();
    }

    private Tensor Ids(int[] ids, int rows, int blockSize) =>
        tensor(ids, [rows, blockSize], ScalarType.Int32).to(ScalarType.Int64).to(_device); // (B, T)

    private void Drop()
    {
        foreach ((Tensor? input, Tensor output) in _kept.Values)
        {
            input?.Dispose();
            output.Dispose();
        }
        _kept.Clear();
    }
}
