namespace ActorAI.Compute.Generation;

/// <summary>
/// Hears a <see cref="GenerationEngine"/>'s per-request timings. Called on the engine's decode thread, once per
/// token at most: an implementation must be cheap, must not block and must not throw.
/// </summary>
public interface IGenerationObserver
{
    /// <summary>A request's first token: <paramref name="queueSeconds"/> from admission until the step that prefilled it
    /// began; <paramref name="timeToFirstTokenSeconds"/> from admission until the token was produced.</summary>
    void OnFirstToken(int promptTokens, double queueSeconds, double timeToFirstTokenSeconds);

    /// <summary>A later token, <paramref name="interTokenSeconds"/> after the previous one of the same request.</summary>
    void OnToken(double interTokenSeconds);

    /// <summary>A request ended: <paramref name="generatedTokens"/> tokens, <paramref name="endToEndSeconds"/> from
    /// admission; <paramref name="timePerOutputTokenSeconds"/> is the mean gap after the first token (null below two tokens).</summary>
    void OnFinished(FinishReason reason, int promptTokens, int generatedTokens, double endToEndSeconds, double? timePerOutputTokenSeconds);
}
