namespace ActorAI.Compute.Training;

/// <summary>What the loop reports after each step.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="Steps">Total steps.</param>
/// <param name="Loss">Training loss of this step (nats per token).</param>
/// <param name="LearningRate">Rate used by this step.</param>
/// <param name="GradientNorm">Global gradient norm before clipping.</param>
/// <param name="TokensPerSecond">Training throughput over the last step.</param>
/// <param name="Elapsed">Time since the loop started.</param>
/// <param name="ValidationLoss">Validation loss when this step evaluated.</param>
/// <param name="ValidationBitsPerByte">Validation bits per UTF-8 byte when this step evaluated.</param>
/// <param name="Checkpoint">Path of the checkpoint written after this step, if any.</param>
public sealed record TrainingProgress(
    long Step,
    long Steps,
    double Loss,
    double LearningRate,
    double GradientNorm,
    double TokensPerSecond,
    TimeSpan Elapsed,
    double? ValidationLoss = null,
    double? ValidationBitsPerByte = null,
    string? Checkpoint = null)
{
    /// <summary>Estimated time to finish at the average pace so far.</summary>
    public TimeSpan Remaining => Step == 0 ? TimeSpan.Zero : Elapsed / Step * (Steps - Step);
}

/// <summary>A step produced a non-finite gradient norm; it was refused and the weights are unchanged.</summary>
public sealed class NonFiniteGradientException(long step, double norm)
    : Exception($"step {step} produced a non-finite gradient norm ({norm}); the update was refused and the weights are unchanged")
{
    /// <summary>The refused step.</summary>
    public long Step { get; } = step;

    /// <summary>The norm observed.</summary>
    public double Norm { get; } = norm;
}
