using System.Text.Json;
using System.Text.Json.Serialization;
using ActorAI.Abstractions.Serving;

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
    /// <summary>Return each output token's log-probability.</summary>
    public bool? Logprobs { get; init; }
    /// <summary>0..20 most likely alternatives per token; needs <see cref="Logprobs"/> true.</summary>
    public int? TopLogprobs { get; init; }

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
    /// <summary>0..5: each output token's log-probability with this many most likely alternatives.</summary>
    public int? Logprobs { get; init; }
}

internal sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    public static Usage Of(int prompt, int completion) => new(prompt, completion, prompt + completion);
}

internal sealed record ChatMessage(string Role, string Content);

internal sealed record ChatChoice(int Index, ChatMessage Message, ChatLogprobs? Logprobs, string FinishReason);

/// <summary>A chat choice's <c>logprobs</c>: one entry per generated token.</summary>
internal sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content)
{
    public static ChatLogprobs Of(IReadOnlyList<TokenLogprob> tokens) =>
        new([.. tokens.Select(t => new ChatTokenLogprob(t.Token, t.Logprob, Bytes(t.Bytes),
            [.. t.TopLogprobs.Select(a => new ChatTopLogprob(a.Token, a.Logprob, Bytes(a.Bytes)))]))]);

    // OpenAI writes bytes as a list of integers, where System.Text.Json would write a byte[] as base64.
    private static int[] Bytes(byte[] bytes) => [.. bytes.Select(b => (int)b)];
}

internal sealed record ChatTokenLogprob(string Token, double Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogprob> TopLogprobs);

internal sealed record ChatTopLogprob(string Token, double Logprob, IReadOnlyList<int> Bytes);

internal sealed record ChatCompletion(
    string Id, string Object, long Created, string Model, string? SystemFingerprint, IReadOnlyList<ChatChoice> Choices, Usage Usage);

internal sealed record ChatDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);

internal sealed record ChatChunkChoice(int Index, ChatDelta Delta, ChatLogprobs? Logprobs, string? FinishReason);

internal sealed record ChatCompletionChunk(
    string Id, string Object, long Created, string Model, string? SystemFingerprint, IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage);

internal sealed record TextChoice(string Text, int Index, TextLogprobs? Logprobs, string? FinishReason);

/// <summary>
/// A legacy completion choice's <c>logprobs</c>: parallel lists over the generated tokens, the alternatives as
/// <c>{token: logprob}</c> objects, and each token's character offset in the choice's text.
/// </summary>
internal sealed record TextLogprobs(
    IReadOnlyList<string> Tokens, IReadOnlyList<double> TokenLogprobs, IReadOnlyList<IReadOnlyDictionary<string, double>> TopLogprobs,
    IReadOnlyList<int> TextOffset)
{
    /// <param name="tokens">The tokens.</param>
    /// <param name="offset">Characters of the choice's text before the first of them.</param>
    public static TextLogprobs Of(IReadOnlyList<TokenLogprob> tokens, int offset)
    {
        var offsets = new int[tokens.Count];
        for (int i = 0; i < tokens.Count; i++)
        {
            offsets[i] = offset;
            offset += tokens[i].Token.Length;
        }
        return new TextLogprobs(
            [.. tokens.Select(t => t.Token)],
            [.. tokens.Select(t => t.Logprob)],
            [.. tokens.Select(Alternatives)],
            offsets);
    }

    /// <summary>Characters the tokens add to the text offset.</summary>
    public static int Length(IReadOnlyList<TokenLogprob>? tokens) => tokens?.Sum(t => t.Token.Length) ?? 0;

    // Two ids can decode to the same text (pieces of one UTF-8 character): the more likely one, listed first, is kept.
    private static IReadOnlyDictionary<string, double> Alternatives(TokenLogprob token)
    {
        var alternatives = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (TopLogprob a in token.TopLogprobs)
        {
            alternatives.TryAdd(a.Token, a.Logprob);
        }
        return alternatives;
    }
}

/// <summary>A legacy completion, whole or (streamed) one chunk of it: OpenAI uses one shape for both.</summary>
internal sealed record TextCompletion(
    string Id, string Object, long Created, string Model, string? SystemFingerprint, IReadOnlyList<TextChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage);

internal sealed record ModelObject(string Id, string Object, long Created, string OwnedBy);

internal sealed record ModelList(string Object, IReadOnlyList<ModelObject> Data);

internal sealed record OpenAIError(string Message, string Type, string? Param, string? Code);

internal sealed record OpenAIErrorBody(OpenAIError Error);
