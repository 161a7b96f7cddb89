using ActorAI.Abstractions.Serving;

namespace ActorAI.Client;

/// <summary>Generation against deployments, routed to the replica with the fewest outstanding requests.</summary>
public sealed partial class ActorAIClient
{
    private DeploymentRouter? _router;

    private DeploymentRouter Router => LazyInitializer.EnsureInitialized(ref _router, () => new DeploymentRouter(Cluster, TimeProvider.System));

    /// <summary>
    /// Generates from <paramref name="deployment"/>, streaming chunks as the replica produces tokens. A request that has
    /// not received a token yet is retried on another replica when its replica fails or drains. With
    /// <see cref="GenerationParameters.N"/> above 1 the choices' chunks interleave, each carrying its
    /// <see cref="GenerationChunk.Index"/>; with <see cref="GenerationParameters.Logprobs"/> each chunk carries its tokens'
    /// log-probabilities. <see cref="GenerationRequest.CacheSalt"/> is passed on as given: a cluster client is trusted,
    /// and the HTTP front sets it per API key.
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

    /// <summary>Generates the whole completion of a one-choice request (see <see cref="GenerateStreamingAsync"/>).</summary>
    /// <exception cref="GenerationRequestException">The request asks for more than one choice (use <see cref="GenerateChoicesAsync"/>).</exception>
    public async Task<GenerationResult> GenerateAsync(string deployment, GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Parameters.N != 1)
        {
            throw new GenerationRequestException($"n must be 1 for GenerateAsync (was {request.Parameters.N}); GenerateChoicesAsync returns several choices", "n");
        }
        return (await GenerateChoicesAsync(deployment, request, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// Generates every choice of a request (<see cref="GenerationParameters.N"/>) whole, ordered by index; the prompt is
    /// prefilled once for all of them.
    /// </summary>
    public async Task<IReadOnlyList<GenerationResult>> GenerateChoicesAsync(string deployment, GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var collector = new GenerationCollector(request.Parameters);
        await foreach (GenerationChunk chunk in GenerateStreamingAsync(deployment, request, cancellationToken).ConfigureAwait(false))
        {
            collector.Add(chunk);
        }
        return collector.Results(deployment);
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
