namespace ActorAI.Compute.Training;

/// <summary>Linear warm-up to the peak rate, then cosine decay to the minimum at the last step (nanoGPT's schedule).</summary>
/// <param name="PeakRate">Rate at the end of warm-up.</param>
/// <param name="MinimumRate">Rate at and after <paramref name="DecaySteps"/>.</param>
/// <param name="WarmupSteps">Steps of linear warm-up.</param>
/// <param name="DecaySteps">Step at which the cosine reaches the minimum (usually the total steps).</param>
public sealed record LearningRateSchedule(double PeakRate, double MinimumRate, int WarmupSteps, int DecaySteps)
{
    /// <summary>The rate for (zero-based) <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return PeakRate * (step + 1) / WarmupSteps;
        }
        if (step >= DecaySteps)
        {
            return MinimumRate;
        }
        double progress = (double)(step - WarmupSteps) / Math.Max(1, DecaySteps - WarmupSteps);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return MinimumRate + cosine * (PeakRate - MinimumRate);
    }

    /// <summary>Checks the ranges; the message names the setting.</summary>
    public void Validate()
    {
        if (!(PeakRate > 0) || !double.IsFinite(PeakRate)) throw new ArgumentException($"PeakRate must be positive (was {PeakRate})");
        if (MinimumRate < 0 || MinimumRate > PeakRate) throw new ArgumentException($"MinimumRate must be in [0, PeakRate] (was {MinimumRate})");
        if (WarmupSteps < 0) throw new ArgumentException($"WarmupSteps must be >= 0 (was {WarmupSteps})");
        if (DecaySteps < WarmupSteps) throw new ArgumentException($"DecaySteps ({DecaySteps}) must be >= WarmupSteps ({WarmupSteps})");
    }
}
