namespace ActorAI.Abstractions.Serving;

/// <summary>How to sample and when to stop (OpenAI's parameters).</summary>
/// <param name="MaxTokens">Most tokens to generate; null = as many as the context leaves, at most <see cref="DefaultMaxTokens"/>.</param>
/// <param name="Temperature">0 for greedy; 0–2 as OpenAI. Default 1.</param>
/// <param name="TopP">Nucleus sampling mass, (0, 1]. Default 1.</param>
/// <param name="Seed">Seed for reproducible sampling; null for random.</param>
/// <param name="Stop">Up to 4 texts that end generation; not included in the output.</param>
/// <param name="IgnoreEos">Never end at end-of-text, nor at a chat's next turn, so <paramref name="MaxTokens"/> tokens come out (vLLM's <c>ignore_eos</c>, for benchmarks).</param>
/// <param name="Logprobs">Null for none; else each generated token carries its log-probability and this many most likely
/// alternatives (0..<see cref="MaxLogprobs"/>): chat's <c>logprobs: true</c> with <c>top_logprobs</c>, completions' <c>logprobs</c>.</param>
/// <param name="N">Independent choices for the prompt (1..<see cref="MaxChoices"/>), the prompt prefilled once; choice i
/// samples with seed <c>Seed + i</c> when a seed is given.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.GenerationParameters")]
public sealed record GenerationParameters(
    [property: Id(0)] int? MaxTokens = null,
    [property: Id(1)] double Temperature = 1.0,
    [property: Id(2)] double TopP = 1.0,
    [property: Id(3)] long? Seed = null,
    [property: Id(4)] IReadOnlyList<string>? Stop = null,
    [property: Id(5)] bool IgnoreEos = false,
    [property: Id(6)] int? Logprobs = null,
    [property: Id(7)] int N = 1)
{
    /// <summary>The most alternatives per token (as OpenAI's <c>top_logprobs</c>).</summary>
    public const int MaxLogprobs = 20;
    /// <summary>The most choices per request.</summary>
    public const int MaxChoices = 16;
    /// <summary>Tokens generated when <see cref="MaxTokens"/> is not given (capped by the context).</summary>
    public const int DefaultMaxTokens = 256;
    /// <summary>The most stop sequences (as OpenAI).</summary>
    public const int MaxStopSequences = 4;

    /// <summary>
    /// Checks ranges that do not depend on the model; throws <see cref="GenerationRequestException"/> naming the
    /// parameter (OpenAI's name) and its limit.
    /// </summary>
    public void Validate()
    {
        if (MaxTokens is < 1) throw new GenerationRequestException($"max_tokens must be at least 1 (was {MaxTokens})", "max_tokens");
        if (!(Temperature >= 0 && Temperature <= 2)) throw new GenerationRequestException($"temperature must be between 0 and 2 (was {Temperature})", "temperature");
        if (!(TopP > 0 && TopP <= 1)) throw new GenerationRequestException($"top_p must be greater than 0 and at most 1 (was {TopP})", "top_p");
        if (Stop is { Count: > MaxStopSequences }) throw new GenerationRequestException($"stop holds at most {MaxStopSequences} sequences (was {Stop.Count})", "stop");
        if (Stop is not null && Stop.Any(string.IsNullOrEmpty)) throw new GenerationRequestException("stop sequences must not be empty", "stop");
        if (Logprobs is < 0 or > MaxLogprobs) throw new GenerationRequestException($"top_logprobs must be between 0 and {MaxLogprobs} (was {Logprobs})", "top_logprobs");
        if (N is < 1 or > MaxChoices) throw new GenerationRequestException($"n must be between 1 and {MaxChoices} (was {N})", "n");
    }
}

/// <summary>A prompt and its sampling parameters.</summary>
/// <param name="Prompt">The text to continue (a completion). Ignored when <paramref name="Messages"/> is set.</param>
/// <param name="Parameters">Sampling and stopping.</param>
/// <param name="Messages">A chat conversation, templated by the replica with role tokens no text can produce; null for a
/// plain completion of <paramref name="Prompt"/>.</param>
/// <param name="CacheSalt">Set by the server, never by callers: separates prefix-cache entries per tenant (one salt per
/// API key), so one tenant's cache hits reveal nothing about another's prompts.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.GenerationRequest")]
public sealed record GenerationRequest(
    [property: Id(0)] string Prompt,
    [property: Id(1)] GenerationParameters Parameters,
    [property: Id(2)] IReadOnlyList<ChatTurn>? Messages = null,
    [property: Id(3)] string? CacheSalt = null);

/// <summary>
/// Text as it is produced. The last chunk of a request carries <see cref="FinishReason"/>; every chunk carries the
/// running token counts.
/// </summary>
/// <param name="Text">Text released by this chunk (may be empty).</param>
/// <param name="FinishReason"><c>stop</c> or <c>length</c> on the last chunk (OpenAI's values), else null.</param>
/// <param name="PromptTokens">Tokens in the prompt.</param>
/// <param name="CompletionTokens">Tokens generated so far.</param>
/// <param name="Model">Model name.</param>
/// <param name="Version">Model version that produced it.</param>
/// <param name="Index">The choice this chunk belongs to (0..N-1); the counts and finish reason are that choice's.</param>
/// <param name="Logprobs">When asked for: the tokens this chunk generated, each with its log-probability and the most
/// likely alternatives; null otherwise.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.GenerationChunk")]
public sealed record GenerationChunk(
    [property: Id(0)] string Text,
    [property: Id(1)] string? FinishReason,
    [property: Id(2)] int PromptTokens,
    [property: Id(3)] int CompletionTokens,
    [property: Id(4)] string Model,
    [property: Id(5)] int Version,
    [property: Id(6)] int Index = 0,
    [property: Id(7)] IReadOnlyList<TokenLogprob>? Logprobs = null);

/// <summary>One generated token with its log-probability (natural log) and the most likely alternatives at its position.</summary>
/// <param name="Token">The token's text (invalid UTF-8 pieces decode with replacement characters; see <paramref name="Bytes"/>).</param>
/// <param name="Logprob">Its natural-log probability under the model (before temperature and truncation).</param>
/// <param name="Bytes">The token's exact bytes.</param>
/// <param name="TopLogprobs">The most likely tokens at this position, most likely first.</param>
[GenerateSerializer, Immutable, Alias("ActorAI.TokenLogprob")]
public sealed record TokenLogprob(
    [property: Id(0)] string Token,
    [property: Id(1)] double Logprob,
    [property: Id(2)] byte[] Bytes,
    [property: Id(3)] IReadOnlyList<TopLogprob> TopLogprobs);

/// <summary>An alternative token at a position, with its log-probability.</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.TopLogprob")]
public sealed record TopLogprob(
    [property: Id(0)] string Token,
    [property: Id(1)] double Logprob,
    [property: Id(2)] byte[] Bytes);

/// <summary>A whole generation (one choice of it).</summary>
/// <param name="Text">The generated text.</param>
/// <param name="FinishReason"><c>stop</c> or <c>length</c>.</param>
/// <param name="PromptTokens">Tokens in the prompt (shared by every choice).</param>
/// <param name="CompletionTokens">Tokens this choice generated.</param>
/// <param name="Model">Model name.</param>
/// <param name="Version">Model version that produced it.</param>
/// <param name="Index">The choice (0..N-1).</param>
/// <param name="Logprobs">Every generated token with its log-probability when <see cref="GenerationParameters.Logprobs"/>
/// asked for them; null otherwise.</param>
public sealed record GenerationResult(
    string Text, string FinishReason, int PromptTokens, int CompletionTokens, string Model, int Version,
    int Index = 0, IReadOnlyList<TokenLogprob>? Logprobs = null);

/// <summary>
/// Gathers a request's streamed <see cref="GenerationChunk"/>s into one <see cref="GenerationResult"/> per choice.
/// </summary>
public sealed class GenerationCollector
{
    private readonly SortedDictionary<int, Choice> _choices = [];
    private readonly bool _logprobs;

    /// <summary>A collector for a request with these parameters (how many choices, whether logprobs were asked).</summary>
    public GenerationCollector(GenerationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Choices = parameters.N;
        _logprobs = parameters.Logprobs is not null;
    }

    /// <summary>The number of choices expected.</summary>
    public int Choices { get; }

    /// <summary>Adds the next chunk.</summary>
    /// <exception cref="InvalidOperationException">The chunk's index is outside 0..N-1.</exception>
    public void Add(GenerationChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Index < 0 || chunk.Index >= Choices)
        {
            throw new InvalidOperationException($"a chunk for choice {chunk.Index} arrived; the request has {Choices} choices");
        }
        if (!_choices.TryGetValue(chunk.Index, out Choice? choice))
        {
            _choices[chunk.Index] = choice = new Choice();
        }
        choice.Text.Append(chunk.Text);
        if (_logprobs)
        {
            choice.Logprobs.AddRange(chunk.Logprobs ?? []);
        }
        choice.Last = chunk;
    }

    /// <summary>One result per choice, by index.</summary>
    /// <exception cref="InvalidOperationException">A choice is missing or ended without a finish reason.</exception>
    public IReadOnlyList<GenerationResult> Results(string deployment)
    {
        var results = new List<GenerationResult>(Choices);
        for (int i = 0; i < Choices; i++)
        {
            if (!_choices.TryGetValue(i, out Choice? choice) || choice.Last?.FinishReason is not { } finish)
            {
                throw new InvalidOperationException($"deployment '{deployment}' ended the stream without a finish reason for choice {i}");
            }
            GenerationChunk last = choice.Last;
            results.Add(new GenerationResult(choice.Text.ToString(), finish, last.PromptTokens, last.CompletionTokens, last.Model, last.Version,
                i, _logprobs ? [.. choice.Logprobs] : null));
        }
        return results;
    }

    private sealed class Choice
    {
        public System.Text.StringBuilder Text { get; } = new();
        public List<TokenLogprob> Logprobs { get; } = [];
        public GenerationChunk? Last { get; set; }
    }
}

/// <summary>One chat message (role <c>system</c>, <c>user</c> or <c>assistant</c>).</summary>
[GenerateSerializer, Immutable, Alias("ActorAI.ChatTurn")]
public sealed record ChatTurn([property: Id(0)] string Role, [property: Id(1)] string Content);

/// <summary>
/// ActorAI's chat template. The replica marks the start of each turn with its role's reserved token, one no text
/// encodes to, followed by the content's tokens, and ends the prompt with the assistant's token; generation stops
/// when the model starts another turn (at any role token). Content therefore cannot forge a turn, whatever it holds.
/// A tokenizer without role tokens gets the text form of <see cref="Format"/> instead.
/// </summary>
public static class ChatTemplate
{
    /// <summary>The roles accepted.</summary>
    public static readonly IReadOnlyList<string> Roles = ["system", "user", "assistant"];

    /// <summary>What <see cref="Escape"/> writes for each <c>&lt;|</c> of content.</summary>
    public const string EscapedMarkerStart = "< |";

    /// <summary>Checks a conversation before it is sent: at least one message, each with a known role and content.</summary>
    /// <exception cref="GenerationRequestException">The list is empty, a message is missing, or a role is unknown (names
    /// <c>messages</c>, <c>messages[i]</c> or <c>messages[i].role</c>).</exception>
    public static void Validate(IReadOnlyList<ChatTurn> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw new GenerationRequestException("messages must hold at least one message", "messages");
        }
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not { Content: not null } m)
            {
                throw new GenerationRequestException($"messages[{i}] must have a role and content", $"messages[{i}]");
            }
            if (!Roles.Contains(m.Role))
            {
                throw new GenerationRequestException($"messages[{i}].role must be one of {string.Join(", ", Roles)} (was '{m.Role}')", $"messages[{i}].role");
            }
        }
    }

    /// <summary>
    /// The text form, for tokenizers without role tokens: each message becomes <c>&lt;|role|&gt;\n</c> + escaped
    /// content + <c>\n</c>, and the prompt ends with <c>&lt;|assistant|&gt;\n</c>. Example:
    /// <c>&lt;|system|&gt;\nBe brief.\n&lt;|user|&gt;\nHi\n&lt;|assistant|&gt;\n</c>.
    /// </summary>
    /// <exception cref="GenerationRequestException">As <see cref="Validate"/>.</exception>
    public static string Format(IReadOnlyList<ChatTurn> messages)
    {
        Validate(messages);
        var prompt = new System.Text.StringBuilder();
        foreach (ChatTurn m in messages)
        {
            prompt.Append("<|").Append(m.Role).Append("|>\n").Append(Escape(m.Content)).Append('\n');
        }
        return prompt.Append("<|assistant|>\n").ToString();
    }

    /// <summary>
    /// Content for the text form: every <c>&lt;|</c> becomes <see cref="EscapedMarkerStart"/>, so the content holds no
    /// <c>&lt;|</c> and cannot hold a role marker.
    /// </summary>
    public static string Escape(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return content.Replace("<|", EscapedMarkerStart, StringComparison.Ordinal);
    }
}
