using static TorchSharp.torch;

namespace ActorAI.Compute.Training;

/// <summary>Gradient utilities shared by the reference loop and the distributed trainers.</summary>
public static class Gradients
{
    /// <summary>The global L2 norm of <paramref name="gradients"/> (nulls skipped).</summary>
    public static double GlobalNorm(IEnumerable<Tensor?> gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        using var scope = NewDisposeScope();
        double sum = 0;
        foreach (Tensor? g in gradients)
        {
            if (g is not null)
            {
                sum += g.pow(2).sum().to_type(ScalarType.Float64).item<double>();
            }
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales <paramref name="gradients"/> in place so their global norm is at most <paramref name="maxNorm"/> and returns
    /// the norm before clipping. A non-finite norm is returned unchanged and nothing is scaled: the caller must refuse
    /// the step rather than corrupt the weights.
    /// </summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Tensor?> gradients, double maxNorm)
    {
        double norm = GlobalNorm(gradients);
        if (double.IsFinite(norm) && maxNorm > 0 && norm > maxNorm)
        {
            double scale = maxNorm / (norm + 1e-6);
            using var noGrad = no_grad();
            foreach (Tensor? g in gradients)
            {
                g?.mul_(scale);
            }
        }
        return norm;
    }
}
