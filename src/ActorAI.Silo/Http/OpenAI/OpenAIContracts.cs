using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorAI.Silo.Http.OpenAI;

// Wire shapes of OpenAI's API (https://platform.openai.com/docs/api-reference), names in snake_case. Fields ActorAI
// does not use (logit_bias, user, ...) are not declared, so they are ignored as OpenAI ignores unknown ones. Fields
// that would change what the answer means (tools, tool_choice, response_format, functions) are declared and refused.
// Unlike the admin API's contracts (AdminJson, strict), these stay lenient on purpose: OpenAI SDKs and tools send
// fields that a newer API version added, and refusing them would break clients that work against OpenAI itself.

internal static class OpenAIJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip, // OpenAI-compatible: see the note above
        // Generated text goes to API clients, never into HTML: keep '<', '>' and non-ASCII readable as OpenAI does.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>Sampling fields shared by <c>/v1/completions</c> and <c>/v1/chat/completions</c>.</summary>
internal abstract class SamplingRequest
{
    public string? Model { get; init; }
    public int? MaxTokens { get; init; }
    /// <summary>The newer name of <see cref="MaxTokens"/>; wins when both are given.</summary>
    public int? MaxCompletionTokens { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? N { get; init; }
    /// <summary>A string or an array of strings.</summary>
    public JsonElement Stop { get; init; }
    public long? Seed { get; init; }
    /// <summary>vLLM's extension: never stop at end-of-text (benchmarks).</summary>
    public bool? IgnoreEos { get; init; }
    public bool? Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }
}

internal sealed class StreamOptions
{
    public bool? IncludeUsage { get; init; }
}

internal sealed class ChatCompletionRequest : SamplingRequest
{
    public IReadOnlyList<ChatMessageBody?>? Messages { get; init; }

    // Declared only to be refused (OpenAIRequests.RefuseUnsupported): a client that asks for tool calls or a response
    // format must learn that it will not get them, not receive free text it takes for the feature's output.
    public JsonElement Tools { get; init; }
    public JsonElement ToolChoice { get; init; }
    public JsonElement ResponseFormat { get; init; }
    public JsonElement Functions { get; init; }
    public JsonElement FunctionCall { get; init; }
}

internal sealed class ChatMessageBody
{
    public string? Role { get; init; }
    /// <summary>A string, an array of <c>{"type":"text","text":...}</c> parts, or null (an assistant turn).</summary>
    public JsonElement Content { get; init; }
}

internal sealed class CompletionRequest : SamplingRequest
{
    /// <summary>A string or an array holding one string.</summary>
    public JsonElement Prompt { get; init; }
}

internal sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    public static Usage Of(int prompt, int completion) => new(prompt, completion, prompt + completion);
}

internal sealed record ChatMessage(string Role, string Content);

internal sealed record ChatChoice(int Index, ChatMessage Message, object? Logprobs, string FinishReason);

internal sealed record ChatCompletion(
    string Id, string Object, long Created, string Model, string? SystemFingerprint, IReadOnlyList<ChatChoice> Choices, Usage Usage);

internal sealed record ChatDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);

internal sealed record ChatChunkChoice(int Index, ChatDelta Delta, object? Logprobs, string? FinishReason);

internal sealed record ChatCompletionChunk(
    string Id, string Object, long Created, string Model, string? SystemFingerprint, IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage);

internal sealed record TextChoice(string Text, int Index, object? Logprobs, string? FinishReason);

/// <summary>A legacy completion, whole or (streamed) one chunk of it: OpenAI uses one shape for both.</summary>
internal sealed record TextCompletion(
    string Id, string Object, long Created, string Model, string? SystemFingerprint, IReadOnlyList<TextChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage);

internal sealed record ModelObject(string Id, string Object, long Created, string OwnedBy);

internal sealed record ModelList(string Object, IReadOnlyList<ModelObject> Data);

internal sealed record OpenAIError(string Message, string Type, string? Param, string? Code);

internal sealed record OpenAIErrorBody(OpenAIError Error);
