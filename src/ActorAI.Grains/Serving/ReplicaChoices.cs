using ActorAI.Abstractions.Serving;
using ActorAI.Compute.Generation;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Grains.Serving;

/// <summary>One choice of a request as the replica reads it: its engine stream and what it has produced so far.</summary>
internal sealed class ReplicaChoice(int index, GenerationStream stream)
{
    public int Index { get; } = index;
    public GenerationStream Stream { get; } = stream;
    public int Generated { get; private set; }
    /// <summary>The choice sent its finish reason, or its stream ended.</summary>
    public bool Done { get; private set; }

    /// <summary>
    /// Everything the engine produced for this choice since the last call, as one chunk; null when nothing new arrived.
    /// An event that ended the request for a reason other than stop or length becomes <paramref name="stopped"/>.
    /// </summary>
    public GenerationChunk? Drain(ReplicaSpec spec, int promptTokens, ITextTokenizer tokenizer, Func<Exception> stopped)
    {
        var text = new System.Text.StringBuilder();
        List<TokenLogprob>? logprobs = null;
        string? finish = null;
        bool any = false;
        while (Stream.Events.TryRead(out GenerationEvent? e))
        {
            any = true;
            Generated += e.Token >= 0 ? 1 : 0;
            text.Append(e.Text);
            if (e.Token >= 0 && e.Logprobs is { } lp)
            {
                (logprobs ??= []).Add(ReplicaLogprobs.Of(tokenizer, e.Token, lp));
            }
            finish = e.Finish switch
            {
                null => null,
                FinishReason.Stop => "stop",
                FinishReason.Length => "length",
                _ => throw stopped(),
            };
        }
        if (finish is null && Stream.Events.Completion.IsFaulted)
        {
            throw stopped();
        }
        if (finish is not null || Stream.Events.Completion.IsCompleted)
        {
            Done = true;
        }
        return any ? new GenerationChunk(text.ToString(), finish, promptTokens, Generated, spec.Model, spec.Version, Index, logprobs) : null;
    }
}

/// <summary>Turns the engine's token-id log-probabilities into the wire's token texts and bytes.</summary>
internal static class ReplicaLogprobs
{
    public static TokenLogprob Of(ITextTokenizer tokenizer, int token, TokenLogprobs logprobs)
    {
        var top = new TopLogprob[logprobs.TopTokens.Length];
        for (int i = 0; i < top.Length; i++)
        {
            int id = logprobs.TopTokens[i];
            top[i] = new TopLogprob(tokenizer.Decode([id]), logprobs.TopLogprobs[i], tokenizer.DecodeBytes([id]));
        }
        return new TokenLogprob(tokenizer.Decode([token]), logprobs.Logprob, tokenizer.DecodeBytes([token]), top);
    }

    /// <summary>
    /// The 400 for a request that could never fit the replica's KV-cache budget: it names <c>n</c> when one choice would
    /// fit, else <c>max_tokens</c>, with the limit (from the engine's figures).
    /// </summary>
    public static GenerationRequestException BudgetExceeded(KvCacheBudgetException error, int promptTokens, int maxTokens)
    {
        long positions = error.BudgetPositions, perChoice = error.PositionsPerChoice;
        if (error.Choices > 1 && perChoice <= positions)
        {
            return new GenerationRequestException(
                $"n is too large: {error.Choices}. This replica's KV cache holds {positions} token positions and each choice needs {perChoice}, so n can be at most {positions / perChoice} with max_tokens {maxTokens} ({error.Message}).",
                "n", KvCacheBudgetCode);
        }
        long most = Math.Max(0, positions - promptTokens);
        return new GenerationRequestException(
            $"max_tokens is too large: {maxTokens}. This replica's KV cache holds {positions} token positions and the prompt has {promptTokens} tokens, so max_tokens can be at most {most}{(error.Choices > 1 ? " for one choice" : "")} ({error.Message}).",
            "max_tokens", KvCacheBudgetCode);
    }

    public const string KvCacheBudgetCode = "kv_cache_budget_exceeded";
}
