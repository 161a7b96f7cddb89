namespace ActorAI.Compute.Generation;

/// <summary>How to choose tokens and when to stop.</summary>
/// <param name="MaxTokens">Most tokens to generate. Default 128.</param>
/// <param name="Temperature">0 for greedy decoding; otherwise logits are divided by it before sampling. Default 1.</param>
/// <param name="TopK">Sample only among the K most likely tokens; 0 for no limit. Default 0.</param>
/// <param name="TopP">Sample only among the most likely tokens whose probabilities sum to P (nucleus); 1 for no limit. Default 1.</param>
/// <param name="Seed">Seed of this sequence's random generator; null for a random seed.</param>
/// <param name="Stop">Texts that end generation when produced; they are not part of the output.</param>
/// <param name="IgnoreEndOfText">Never produce end-of-text, so exactly <paramref name="MaxTokens"/> tokens come out (unless a
/// stop sequence or the context ends them) — for benchmarks and tests, as vLLM's <c>ignore_eos</c>.</param>
/// <param name="Logprobs">Null: no log-probabilities. 0..<see cref="MaxLogprobs"/>: every token event carries the chosen
/// token's log-probability and this many most likely alternatives (vLLM's <c>logprobs</c>), from the model's raw
/// distribution (before temperature, top-k and top-p).</param>
/// <param name="StopTokens">Token ids that end generation like end-of-text (e.g. a chat template's end-of-turn and role
/// tokens); they are not part of the output.</param>
public sealed record SamplingOptions(
    int MaxTokens = 128,
    double Temperature = 1.0,
    int TopK = 0,
    double TopP = 1.0,
    long? Seed = null,
    IReadOnlyList<string>? Stop = null,
    bool IgnoreEndOfText = false,
    int? Logprobs = null,
    IReadOnlyList<int>? StopTokens = null)
{
    /// <summary>The most alternatives <see cref="Logprobs"/> may ask for (as OpenAI's <c>top_logprobs</c>).</summary>
    public const int MaxLogprobs = 20;

    /// <summary>The most stop sequences accepted (as OpenAI).</summary>
    public const int MaxStopSequences = 4;

    /// <summary>Greedy decoding.</summary>
    public static SamplingOptions Greedy(int maxTokens) => new(maxTokens, Temperature: 0);

    /// <summary>Checks the ranges; the message names the setting and its limit.</summary>
    public void Validate()
    {
        if (MaxTokens < 1) throw new ArgumentException($"MaxTokens must be at least 1 (was {MaxTokens})");
        if (!(Temperature >= 0) || Temperature > 100) throw new ArgumentException($"Temperature must be between 0 and 100 (was {Temperature})");
        if (TopK < 0) throw new ArgumentException($"TopK must be >= 0 (was {TopK})");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"TopP must be in (0, 1] (was {TopP})");
        if (Stop is { Count: > MaxStopSequences }) throw new ArgumentException($"Stop holds at most {MaxStopSequences} sequences (was {Stop.Count})");
        if (Stop is not null && Stop.Any(string.IsNullOrEmpty)) throw new ArgumentException("Stop sequences must not be empty");
        if (Logprobs is < 0 or > MaxLogprobs) throw new ArgumentException($"Logprobs must be between 0 and {MaxLogprobs} (was {Logprobs})");
    }
}

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced end-of-text or a stop sequence.</summary>
    Stop,
    /// <summary>MaxTokens or the context length was reached.</summary>
    Length,
    /// <summary>The caller cancelled it.</summary>
    Cancelled,
}
