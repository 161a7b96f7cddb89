using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Training;

/// <summary>AdamW hyper-parameters (decoupled weight decay).</summary>
/// <param name="Beta1">First-moment decay. Default 0.9.</param>
/// <param name="Beta2">Second-moment decay. Default 0.95 (nanoGPT).</param>
/// <param name="Epsilon">Denominator floor. Default 1e-8.</param>
/// <param name="WeightDecay">Decoupled decay, applied only to tensors marked for decay (matrices). Default 0.1.</param>
public sealed record AdamWSettings(double Beta1 = 0.9, double Beta2 = 0.95, double Epsilon = 1e-8, double WeightDecay = 0.1)
{
    /// <summary>Checks the ranges; the message names the setting.</summary>
    public void Validate()
    {
        if (Beta1 is < 0 or >= 1) throw new ArgumentException($"Beta1 must be in [0, 1) (was {Beta1})");
        if (Beta2 is < 0 or >= 1) throw new ArgumentException($"Beta2 must be in [0, 1) (was {Beta2})");
        if (!(Epsilon > 0)) throw new ArgumentException($"Epsilon must be positive (was {Epsilon})");
        if (WeightDecay < 0 || !double.IsFinite(WeightDecay)) throw new ArgumentException($"WeightDecay must be finite and >= 0 (was {WeightDecay})");
    }
}

/// <summary>
/// AdamW over any list of tensors: a model's parameters, or the flat parameter slice a parameter shard owns. The
/// update is element-wise, so applying it to a flat concatenation gives exactly the per-tensor result; the
/// reference loop and the distributed parameter shards share this one implementation.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly bool[] _decay;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;

    /// <summary>Creates zero state for <paramref name="parameters"/>; <paramref name="decay"/> marks which get weight decay.</summary>
    public AdamWOptimizer(IReadOnlyList<Tensor> parameters, IReadOnlyList<bool> decay, AdamWSettings settings)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(decay);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (parameters.Count != decay.Count)
        {
            throw new ArgumentException($"{parameters.Count} parameters but {decay.Count} decay flags");
        }
        Settings = settings;
        _parameters = [.. parameters];
        _decay = [.. decay];
        _expAvg = [.. parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        _expAvgSq = [.. parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
    }

    /// <summary>The hyper-parameters.</summary>
    public AdamWSettings Settings { get; }

    /// <summary>Updates applied so far (bias correction uses it).</summary>
    public long Step { get; private set; }

    /// <summary>First moments, one per parameter.</summary>
    public IReadOnlyList<Tensor> ExpAvg => _expAvg;

    /// <summary>Second moments, one per parameter.</summary>
    public IReadOnlyList<Tensor> ExpAvgSq => _expAvgSq;

    /// <summary>
    /// Applies one update with learning rate <paramref name="learningRate"/>, reading gradients from
    /// <paramref name="gradients"/> (same shapes as the parameters). A parameter whose gradient is null is skipped
    /// (frozen).
    /// </summary>
    public void Apply(IReadOnlyList<Tensor?> gradients, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Count != _parameters.Length)
        {
            throw new ArgumentException($"{gradients.Count} gradients for {_parameters.Length} parameters");
        }
        Step++;
        double bias1 = 1 - Math.Pow(Settings.Beta1, Step);
        double bias2 = 1 - Math.Pow(Settings.Beta2, Step);
        double stepSize = learningRate / bias1;
        double bias2Sqrt = Math.Sqrt(bias2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor? g = gradients[i];
            if (g is null)
            {
                continue;
            }
            Tensor p = _parameters[i];
            if (_decay[i] && Settings.WeightDecay > 0)
            {
                p.mul_(1 - learningRate * Settings.WeightDecay);
            }
            _expAvg[i].mul_(Settings.Beta1).add_(g, alpha: 1 - Settings.Beta1);
            _expAvgSq[i].mul_(Settings.Beta2).addcmul_(g, g, value: 1 - Settings.Beta2);
            Tensor denominator = _expAvgSq[i].sqrt().div_(bias2Sqrt).add_(Settings.Epsilon);
            p.addcdiv_(_expAvg[i], denominator, value: -stepSize);
        }
    }

    /// <summary>Restores state saved from <see cref="ExpAvg"/>, <see cref="ExpAvgSq"/> and <see cref="Step"/>.</summary>
    public void Load(IReadOnlyList<Tensor> expAvg, IReadOnlyList<Tensor> expAvgSq, long step)
    {
        ArgumentNullException.ThrowIfNull(expAvg);
        ArgumentNullException.ThrowIfNull(expAvgSq);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (expAvg.Count != _expAvg.Length || expAvgSq.Count != _expAvgSq.Length)
        {
            throw new ArgumentException($"optimizer state has {expAvg.Count}/{expAvgSq.Count} tensors, expected {_expAvg.Length}");
        }
        using var noGrad = no_grad();
        for (int i = 0; i < _expAvg.Length; i++)
        {
            if (!expAvg[i].shape.SequenceEqual(_expAvg[i].shape) || !expAvgSq[i].shape.SequenceEqual(_expAvgSq[i].shape))
            {
                throw new ArgumentException($"optimizer state tensor {i} has shape [{string.Join(",", expAvg[i].shape)}], expected [{string.Join(",", _expAvg[i].shape)}]");
            }
            _expAvg[i].copy_(expAvg[i]);
            _expAvgSq[i].copy_(expAvgSq[i]);
        }
        Step = step;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in _expAvg.Concat(_expAvgSq))
        {
            t.Dispose();
        }
    }
}
