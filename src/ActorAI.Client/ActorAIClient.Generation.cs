using ActorAI.Abstractions.Serving;

namespace ActorAI.Client;

/// <summary>Generation against deployments, routed to the replica with the fewest outstanding requests.</summary>
public sealed partial class ActorAIClient
{
    private DeploymentRouter? _router;

    private DeploymentRouter Router => LazyInitializer.EnsureInitialized(ref _router, () => new DeploymentRouter(Cluster, TimeProvider.System));

    /// <summary>
    /// Generates from <paramref name="deployment"/>, streaming chunks as the replica produces tokens. A request that has
    /// not received a token yet is retried on another replica when its replica fails or drains.
    /// </summary>
    /// <exception cref="DeploymentNotFoundException">No such deployment.</exception>
    /// <exception cref="GenerationRequestException">The request does not fit the model (names the parameter).</exception>
    /// <exception cref="ServiceOverloadedException">Every replica's queue is full.</exception>
    public IAsyncEnumerable<GenerationChunk> GenerateStreamingAsync(string deployment, GenerationRequest request, CancellationToken cancellationToken = default)
    {
        DeploymentNames.ThrowIfInvalid(deployment);
        ArgumentNullException.ThrowIfNull(request);
        request.Parameters.Validate();
        return Router.GenerateAsync(deployment, request, cancellationToken);
    }

    /// <summary>Generates the whole completion (see <see cref="GenerateStreamingAsync"/>).</summary>
    public async Task<GenerationResult> GenerateAsync(string deployment, GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        GenerationChunk? last = null;
        await foreach (GenerationChunk chunk in GenerateStreamingAsync(deployment, request, cancellationToken).ConfigureAwait(false))
        {
            text.Append(chunk.Text);
            last = chunk;
        }
        if (last?.FinishReason is null)
        {
            throw new InvalidOperationException($"deployment '{deployment}' ended the stream without a finish reason");
        }
        return new GenerationResult(text.ToString(), last.FinishReason, last.PromptTokens, last.CompletionTokens, last.Model, last.Version);
    }

    /// <summary>
    /// A Microsoft.Extensions.AI chat client over <paramref name="deployment"/> (streaming included). The chat client
    /// shares this connection; disposing it leaves the connection open.
    /// </summary>
    public Microsoft.Extensions.AI.IChatClient AsChatClient(string deployment)
    {
        DeploymentNames.ThrowIfInvalid(deployment);
        return new ActorAIChatClient(this, deployment);
    }

    /// <summary>The routing table a router would use now (for tools and tests).</summary>
    public Task<RoutingTable> GetRoutingTableAsync(string deployment) => Deployment(deployment).GetRoutingTableAsync(wake: false);
}
