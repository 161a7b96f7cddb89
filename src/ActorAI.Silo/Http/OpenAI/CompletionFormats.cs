using ActorAI.Abstractions.Serving;

namespace ActorAI.Silo.Http.OpenAI;

/// <summary>What every object of one response shares; streamed chunks repeat it.</summary>
internal sealed record CompletionHeader(string Id, long Created, string Model, string SystemFingerprint);

/// <summary>How a generation is shaped as an OpenAI response: chat completions or legacy text completions.</summary>
internal interface ICompletionFormat
{
    /// <summary><c>chatcmpl-</c> or <c>cmpl-</c>.</summary>
    string IdPrefix { get; }

    /// <summary>The request field holding the prompt: <c>messages</c> or <c>prompt</c>.</summary>
    string PromptParam { get; }

    object Whole(CompletionHeader header, GenerationResult result);

    /// <summary>The first streamed object, before any text (chat announces the role), or null.</summary>
    object? Start(CompletionHeader header);

    object Text(CompletionHeader header, string text);

    object Finish(CompletionHeader header, string finishReason);

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

    public object Whole(CompletionHeader h, GenerationResult result) =>
        new ChatCompletion(h.Id, Object, h.Created, h.Model, h.SystemFingerprint,
            [new ChatChoice(0, new ChatMessage(Assistant, result.Text), null, result.FinishReason)],
            Usage.Of(result.PromptTokens, result.CompletionTokens));

    public object? Start(CompletionHeader h) => Chunk(h, new ChatDelta(Assistant, ""), null);

    public object Text(CompletionHeader h, string text) => Chunk(h, new ChatDelta(null, text), null);

    public object Finish(CompletionHeader h, string finishReason) => Chunk(h, new ChatDelta(null, null), finishReason);

    public object UsageOnly(CompletionHeader h, Usage usage) =>
        new ChatCompletionChunk(h.Id, ChunkObject, h.Created, h.Model, h.SystemFingerprint, [], usage);

    private static ChatCompletionChunk Chunk(CompletionHeader h, ChatDelta delta, string? finishReason) =>
        new(h.Id, ChunkObject, h.Created, h.Model, h.SystemFingerprint, [new ChatChunkChoice(0, delta, null, finishReason)], null);
}

internal sealed class TextCompletionFormat : ICompletionFormat
{
    private const string Object = "text_completion";

    public static readonly TextCompletionFormat Instance = new();

    public string PromptParam => "prompt";

    public string IdPrefix => "cmpl-";

    public object Whole(CompletionHeader h, GenerationResult result) =>
        Completion(h, result.Text, result.FinishReason, Usage.Of(result.PromptTokens, result.CompletionTokens));

    public object? Start(CompletionHeader h) => null;

    public object Text(CompletionHeader h, string text) => Completion(h, text, null, null);

    public object Finish(CompletionHeader h, string finishReason) => Completion(h, "", finishReason, null);

    public object UsageOnly(CompletionHeader h, Usage usage) =>
        new TextCompletion(h.Id, Object, h.Created, h.Model, h.SystemFingerprint, [], usage);

    private static TextCompletion Completion(CompletionHeader h, string text, string? finishReason, Usage? usage) =>
        new(h.Id, Object, h.Created, h.Model, h.SystemFingerprint, [new TextChoice(text, 0, null, finishReason)], usage);
}
