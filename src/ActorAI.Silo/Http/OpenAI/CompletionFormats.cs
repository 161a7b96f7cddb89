using ActorAI.Abstractions.Serving;

namespace ActorAI.Silo.Http.OpenAI;

/// <summary>What every object of one response shares; streamed chunks repeat it.</summary>
internal sealed record CompletionHeader(string Id, long Created, string Model, string SystemFingerprint);

/// <summary>
/// How a generation is shaped as an OpenAI response: chat completions or legacy text completions. Choices are named by
/// index; logprobs are null when the request did not ask for them.
/// </summary>
internal interface ICompletionFormat
{
    /// <summary><c>chatcmpl-</c> or <c>cmpl-</c>.</summary>
    string IdPrefix { get; }

    /// <summary>The request field holding the prompt: <c>messages</c> or <c>prompt</c>.</summary>
    string PromptParam { get; }

    /// <summary>The whole response: every choice (by index) and the usage (the prompt counted once).</summary>
    object Whole(CompletionHeader header, IReadOnlyList<GenerationResult> choices, Usage usage);

    /// <summary>The first streamed object of a choice, before any text (chat announces the role), or null.</summary>
    object? Start(CompletionHeader header, int index);

    /// <summary>A streamed piece of a choice: its text and, when asked for, its tokens' logprobs; <paramref name="textOffset"/>
    /// is the length of the choice's text before it.</summary>
    object Text(CompletionHeader header, int index, string text, IReadOnlyList<TokenLogprob>? logprobs, int textOffset);

    object Finish(CompletionHeader header, int index, string finishReason);

    /// <summary>The last streamed object when <c>stream_options.include_usage</c> is set: no choices, the usage.</summary>
    object UsageOnly(CompletionHeader header, Usage usage);
}

internal sealed class ChatCompletionFormat : ICompletionFormat
{
    private const string Object = "chat.completion";
    private const string ChunkObject = "chat.completion.chunk";
    private const string Assistant = "assistant";

    public static readonly ChatCompletionFormat Instance = new();

    public string PromptParam => "messages";

    public string IdPrefix => "chatcmpl-";

    public object Whole(CompletionHeader h, IReadOnlyList<GenerationResult> choices, Usage usage) =>
        new ChatCompletion(h.Id, Object, h.Created, h.Model, h.SystemFingerprint,
            [.. choices.Select(c => new ChatChoice(c.Index, new ChatMessage(Assistant, c.Text),
                c.Logprobs is { } logprobs ? ChatLogprobs.Of(logprobs) : null, c.FinishReason))],
            usage);

    public object? Start(CompletionHeader h, int index) => Chunk(h, index, new ChatDelta(Assistant, ""), null, null);

    public object Text(CompletionHeader h, int index, string text, IReadOnlyList<TokenLogprob>? logprobs, int textOffset) =>
        Chunk(h, index, new ChatDelta(null, text), logprobs is null ? null : ChatLogprobs.Of(logprobs), null);

    public object Finish(CompletionHeader h, int index, string finishReason) => Chunk(h, index, new ChatDelta(null, null), null, finishReason);

    public object UsageOnly(CompletionHeader h, Usage usage) =>
        new ChatCompletionChunk(h.Id, ChunkObject, h.Created, h.Model, h.SystemFingerprint, [], usage);

    private static ChatCompletionChunk Chunk(CompletionHeader h, int index, ChatDelta delta, ChatLogprobs? logprobs, string? finishReason) =>
        new(h.Id, ChunkObject, h.Created, h.Model, h.SystemFingerprint, [new ChatChunkChoice(index, delta, logprobs, finishReason)], null);
}

internal sealed class TextCompletionFormat : ICompletionFormat
{
    private const string Object = "text_completion";

    public static readonly TextCompletionFormat Instance = new();

    public string PromptParam => "prompt";

    public string IdPrefix => "cmpl-";

    public object Whole(CompletionHeader h, IReadOnlyList<GenerationResult> choices, Usage usage) =>
        new TextCompletion(h.Id, Object, h.Created, h.Model, h.SystemFingerprint,
            [.. choices.Select(c => new TextChoice(c.Text, c.Index, c.Logprobs is { } logprobs ? TextLogprobs.Of(logprobs, 0) : null, c.FinishReason))],
            usage);

    public object? Start(CompletionHeader h, int index) => null;

    public object Text(CompletionHeader h, int index, string text, IReadOnlyList<TokenLogprob>? logprobs, int textOffset) =>
        Completion(h, new TextChoice(text, index, logprobs is null ? null : TextLogprobs.Of(logprobs, textOffset), null));

    public object Finish(CompletionHeader h, int index, string finishReason) => Completion(h, new TextChoice("", index, null, finishReason));

    public object UsageOnly(CompletionHeader h, Usage usage) =>
        new TextCompletion(h.Id, Object, h.Created, h.Model, h.SystemFingerprint, [], usage);

    private static TextCompletion Completion(CompletionHeader h, TextChoice choice) =>
        new(h.Id, Object, h.Created, h.Model, h.SystemFingerprint, [choice], null);
}
