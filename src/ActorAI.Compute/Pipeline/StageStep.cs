namespace ActorAI.Compute.Pipeline;

/// <summary>
/// One stage's share of an engine step, as plain arrays (what crosses the wire between a pipeline's coordinator and
/// its stages). The coordinator owns the block tables; each stage owns the keys and values of its own blocks at the
/// same pool rows.
/// </summary>
/// <param name="Tokens">(N) token ids; read by the first stage only (and kept by the coordinator for replay).</param>
/// <param name="Positions">(N) absolute positions.</param>
/// <param name="WriteRows">(N) pool rows where each token's keys and values go.</param>
/// <param name="Groups">Attention groups covering tokens 0..N-1 in order.</param>
/// <param name="SampleRows">(R) tokens whose next-token logits the last stage returns.</param>
/// <param name="Hidden">(N × C) residual stream entering a stage after the first; empty for the first.</param>
/// <param name="Copies">Copy-on-write block copies the stage applies to its pool before the step.</param>
public sealed record StageStep(
    long[] Tokens,
    long[] Positions,
    long[] WriteRows,
    StageGroup[] Groups,
    long[] SampleRows,
    float[] Hidden,
    BlockCopy[] Copies);

/// <summary>
/// Tokens <see cref="Start"/>..+<see cref="Count"/> of a step attend together (see <c>AttentionGroup</c>).
/// <see cref="Blocks"/>: row-major (<see cref="BlockRows"/> × <see cref="BlockColumns"/>) block ids, or null to read
/// the pool in place from <see cref="FirstRow"/>. <see cref="Mask"/>: row-major boolean mask of shape
/// <see cref="MaskShape"/>, or null when every position is valid.
/// </summary>
public sealed record StageGroup(
    int Start,
    int Count,
    bool Prefill,
    int Past,
    int Keys,
    int[]? Blocks,
    int BlockRows,
    int BlockColumns,
    long FirstRow,
    bool[]? Mask,
    long[]? MaskShape);

/// <summary>Copies the first <paramref name="Positions"/> positions of block <paramref name="From"/> to block <paramref name="To"/>.</summary>
public sealed record BlockCopy(int From, int To, int Positions);

/// <summary>How a pipeline's coordinator reaches its stages (grain calls in a cluster, direct calls in a test).</summary>
public interface IStageTransport
{
    /// <summary>
    /// Runs <paramref name="step"/> on stage <paramref name="stage"/> and returns its output: the residual stream (N × C)
    /// or, from the last stage, the logits (R × V).
    /// </summary>
    /// <exception cref="StageResetException">The stage lost its KV cache (it was reactivated, e.g. on another silo).</exception>
    Task<float[]> StepAsync(int stage, StageStep step, CancellationToken cancellationToken = default);

    /// <summary>Drops every cached key and value on stage <paramref name="stage"/> and starts a new cache epoch.</summary>
    Task ResetAsync(int stage, CancellationToken cancellationToken = default);
}

/// <summary>
/// A stage no longer holds the KV cache the coordinator built (it was reactivated, on another silo or after being
/// collected): the coordinator replays the inputs it kept for that stage, then retries the step.
/// </summary>
public sealed class StageResetException : Exception
{
    /// <summary>A reset of <paramref name="stage"/>.</summary>
    public StageResetException(int stage, string message) : base(message) => Stage = stage;

    /// <summary>A reset of an unknown stage.</summary>
    public StageResetException() : base("a pipeline stage lost its KV cache") => Stage = -1;

    /// <summary>A reset with a message.</summary>
    public StageResetException(string message) : base(message) => Stage = -1;

    /// <summary>A reset with a message and cause.</summary>
    public StageResetException(string message, Exception inner) : base(message, inner) => Stage = -1;

    /// <summary>The stage that reset.</summary>
    public int Stage { get; }
}
