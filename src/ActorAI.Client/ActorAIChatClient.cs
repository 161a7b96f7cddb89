using System.Runtime.CompilerServices;
using ActorAI.Abstractions.Serving;
using Microsoft.Extensions.AI;

namespace ActorAI.Client;

/// <summary>
/// A Microsoft.Extensions.AI <see cref="IChatClient"/> over an ActorAI deployment: messages are sent as chat turns,
/// which the replica templates with role tokens (<see cref="ChatTemplate"/>), and generated through the client's
/// router, so any .NET code written against M.E.AI can use a deployment. Create with <see cref="ActorAIClient.AsChatClient"/>.
/// </summary>
public sealed class ActorAIChatClient : IChatClient
{
    private readonly ActorAIClient _client;
    private readonly ChatClientMetadata _metadata;

    internal ActorAIChatClient(ActorAIClient client, string deployment)
    {
        _client = client;
        Deployment = deployment;
        _metadata = new ChatClientMetadata("actorai", defaultModelId: deployment);
    }

    /// <summary>
    /// <see cref="ChatOptions.AdditionalProperties"/> key that, set to <see langword="true"/>, makes generation ignore
    /// end-of-text (vLLM's <c>ignore_eos</c>).
    /// </summary>
    public const string IgnoreEosProperty = "ignore_eos";

    /// <summary>The deployment used when <see cref="ChatOptions.ModelId"/> is not set.</summary>
    public string Deployment { get; }

    /// <inheritdoc />
    /// <exception cref="GenerationRequestException">A message or option is invalid (names it).</exception>
    /// <exception cref="DeploymentNotFoundException">No such deployment.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        (string deployment, GenerationRequest request) = Prepare(messages, options);
        GenerationResult result = await _client.GenerateAsync(deployment, request, cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text))
        {
            ModelId = deployment,
            ResponseId = NewId(),
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = Finish(result.FinishReason),
            Usage = Usage(result.PromptTokens, result.CompletionTokens),
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        (string deployment, GenerationRequest request) = Prepare(messages, options);
        string id = NewId();
        await foreach (GenerationChunk chunk in _client.GenerateStreamingAsync(deployment, request, cancellationToken).ConfigureAwait(false))
        {
            var update = new ChatResponseUpdate(ChatRole.Assistant, chunk.Text)
            {
                ModelId = deployment,
                ResponseId = id,
                MessageId = id,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            if (chunk.FinishReason is { } finish)
            {
                update.FinishReason = Finish(finish);
                update.Contents.Add(new UsageContent(Usage(chunk.PromptTokens, chunk.CompletionTokens)));
            }
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(_client) ? _client
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The ActorAIClient is shared and owned by the caller.
    }

    private (string Deployment, GenerationRequest Request) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        // As over HTTP: asking for tool calls or a JSON answer is refused, never answered with plain text.
        if (options?.Tools is { Count: > 0 })
        {
            throw new GenerationRequestException("ChatOptions.Tools is not supported by ActorAI yet: its models generate plain text only.", "tools", "unsupported_parameter");
        }
        if (options?.ResponseFormat is ChatResponseFormatJson)
        {
            throw new GenerationRequestException("ChatOptions.ResponseFormat JSON is not supported by ActorAI yet: its models generate plain text only.", "response_format", "unsupported_parameter");
        }
        List<ChatTurn> turns = [.. messages.Select(m => new ChatTurn(m.Role.Value, m.Text))];
        ChatTemplate.Validate(turns);
        var parameters = new GenerationParameters(
            MaxTokens: options?.MaxOutputTokens,
            Temperature: options?.Temperature ?? 1.0,
            TopP: options?.TopP ?? 1.0,
            Seed: options?.Seed,
            Stop: options?.StopSequences is { Count: > 0 } stops ? [.. stops] : null,
            IgnoreEos: options?.AdditionalProperties?.TryGetValue(IgnoreEosProperty, out bool ignore) == true && ignore);
        return (options?.ModelId ?? Deployment, new GenerationRequest("", parameters, turns));
    }

    private static ChatFinishReason Finish(string reason) => reason == "length" ? ChatFinishReason.Length : ChatFinishReason.Stop;

    private static UsageDetails Usage(int prompt, int completion) =>
        new() { InputTokenCount = prompt, OutputTokenCount = completion, TotalTokenCount = prompt + completion };

    private static string NewId() => $"chatcmpl-{Guid.NewGuid():N}";
}
