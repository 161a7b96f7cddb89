using System.Text;
using System.Text.Json;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Silo.Http.OpenAI;

/// <summary>
/// Turns OpenAI request bodies into <see cref="GenerationRequest"/>s. Every refusal is a
/// <see cref="GenerationRequestException"/> naming the parameter as OpenAI spells it.
/// </summary>
internal static class OpenAIRequests
{
    /// <summary>OpenAI's newer name for the system role.</summary>
    private const string DeveloperRole = "developer";

    public static GenerationRequest Chat(ChatCompletionRequest body)
    {
        if (body.Messages is null)
        {
            throw new GenerationRequestException("You must provide a 'messages' parameter.", "messages", "missing_required_parameter");
        }
        RefuseUnsupported(body);
        var turns = new List<ChatTurn>(body.Messages.Count);
        for (int i = 0; i < body.Messages.Count; i++)
        {
            ChatMessageBody message = body.Messages[i]
                ?? throw new GenerationRequestException($"messages[{i}] must be an object.", $"messages[{i}]");
            string role = message.Role ?? throw new GenerationRequestException($"messages[{i}].role is required.", $"messages[{i}].role", "missing_required_parameter");
            role = role == DeveloperRole ? "system" : role;
            turns.Add(new ChatTurn(role, Content(message.Content, role, i)));
        }
        GenerationParameters parameters = Parameters(body, ChatLogprobs(body));
        // Refuses an empty list and unknown roles here; the replica templates the turns with its role tokens.
        ChatTemplate.Validate(turns);
        return new GenerationRequest("", parameters, turns);
    }

    public static GenerationRequest Completion(CompletionRequest body)
    {
        string prompt = body.Prompt.ValueKind switch
        {
            JsonValueKind.String => body.Prompt.GetString()!,
            JsonValueKind.Array when body.Prompt.GetArrayLength() == 1 && body.Prompt[0].ValueKind == JsonValueKind.String => body.Prompt[0].GetString()!,
            JsonValueKind.Array => throw new GenerationRequestException(
                "prompt must be a string or an array holding one string (batched and token prompts are not supported).", "prompt"),
            JsonValueKind.Undefined or JsonValueKind.Null => throw new GenerationRequestException(
                "You must provide a 'prompt' parameter.", "prompt", "missing_required_parameter"),
            _ => throw new GenerationRequestException("prompt must be a string.", "prompt"),
        };
        if (prompt.Length == 0)
        {
            throw new GenerationRequestException("prompt must not be empty.", "prompt");
        }
        if (body.Logprobs is < 0 or > MaxCompletionLogprobs)
        {
            throw new GenerationRequestException($"logprobs must be between 0 and {MaxCompletionLogprobs} (was {body.Logprobs})", "logprobs");
        }
        return new GenerationRequest(prompt, Parameters(body, body.Logprobs));
    }

    /// <summary>The most alternatives the legacy completions endpoint returns per token (as OpenAI).</summary>
    public const int MaxCompletionLogprobs = 5;

    // logprobs: true returns the chosen token's log-probability; top_logprobs adds alternatives and needs it (as OpenAI).
    private static int? ChatLogprobs(ChatCompletionRequest body)
    {
        if (body.TopLogprobs is { } top && body.Logprobs != true)
        {
            throw new GenerationRequestException($"top_logprobs ({top}) needs logprobs to be true.", "top_logprobs");
        }
        return body.Logprobs == true ? body.TopLogprobs ?? 0 : null;
    }

    // Each field is accepted only in its "feature off" form (absent, null, an empty list, "none", {"type":"text"}),
    // which is what ActorAI does anyway.
    private static void RefuseUnsupported(ChatCompletionRequest body)
    {
        Refuse("tools", body.Tools, v => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0);
        Refuse("functions", body.Functions, v => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0);
        Refuse("tool_choice", body.ToolChoice, IsNone);
        Refuse("function_call", body.FunctionCall, IsNone);
        Refuse("response_format", body.ResponseFormat, v => v.ValueKind == JsonValueKind.Object
            && v.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text");

        static bool IsNone(JsonElement value) => value.ValueKind == JsonValueKind.String && value.GetString() == "none";

        static void Refuse(string field, JsonElement value, Func<JsonElement, bool> off)
        {
            if (value.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null) && !off(value))
            {
                throw new GenerationRequestException(
                    $"{field} is not supported by ActorAI yet: the models it serves generate plain text only. Remove '{field}'.",
                    field, "unsupported_parameter");
            }
        }
    }

    private static GenerationParameters Parameters(SamplingRequest body, int? logprobs)
    {
        if (body.MaxCompletionTokens is < 1)
        {
            throw new GenerationRequestException($"max_completion_tokens must be at least 1 (was {body.MaxCompletionTokens})", "max_completion_tokens");
        }
        var parameters = new GenerationParameters(
            body.MaxCompletionTokens ?? body.MaxTokens, body.Temperature ?? 1.0, body.TopP ?? 1.0, body.Seed, Stop(body.Stop), body.IgnoreEos ?? false,
            logprobs, body.N ?? 1);
        // Names n (1..16) and top_logprobs (0..20) with their limits.
        parameters.Validate();
        return parameters;
    }

    private static List<string>? Stop(JsonElement stop) => stop.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.String => [stop.GetString()!],
        JsonValueKind.Array when stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) =>
            [.. stop.EnumerateArray().Select(s => s.GetString()!)],
        _ => throw new GenerationRequestException("stop must be a string or an array of strings.", "stop"),
    };

    private static string Content(JsonElement content, string role, int index)
    {
        string param = $"messages[{index}].content";
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (JsonElement part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object
                        || !part.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String || type.GetString() != "text"
                        || !part.TryGetProperty("text", out JsonElement partText) || partText.ValueKind != JsonValueKind.String)
                    {
                        throw new GenerationRequestException($"{param} parts must be {{\"type\":\"text\",\"text\":...}}; other content types are not supported.", param);
                    }
                    text.Append(partText.GetString());
                }
                return text.ToString();
            case JsonValueKind.Undefined or JsonValueKind.Null when role == "assistant":
                return "";
            default:
                throw new GenerationRequestException($"{param} must be a string or an array of text parts.", param);
        }
    }
}
