using ActorAI.Abstractions;
using ActorAI.Abstractions.Security;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Client;

/// <summary>API keys for the HTTP front: create, list, inspect, revoke.</summary>
public sealed partial class ActorAIClient
{
    /// <summary>Creates a key with a new random id; the returned <see cref="ApiKeyCreated.Key"/> is the only copy of the secret.</summary>
    /// <param name="name">A label, 1 to <see cref="ApiKeyFormat.MaxNameLength"/> characters.</param>
    /// <param name="roles">One or more of <see cref="ApiKeyRoles.All"/>.</param>
    /// <param name="models">Deployments the key may use; <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Stops waiting for the cluster.</param>
    /// <exception cref="ArgumentException">A setting is invalid; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public Task<ApiKeyCreated> CreateApiKeyAsync(
        string name, IReadOnlyList<string> roles, IReadOnlyList<string>? models = null, CancellationToken cancellationToken = default)
    {
        ApiKeyFormat.ThrowIfInvalid(name, roles, models);
        return ApiKey(ApiKeyFormat.NewId()).CreateAsync(name, roles, models).WaitAsync(cancellationToken);
    }

    /// <summary>Every key (revoked ones included), oldest first; never the secrets.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> ids = await Index(INameIndexGrain.ApiKeys).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        ApiKeyInfo?[] infos = await Task.WhenAll(ids.Select(id => ApiKey(id).GetAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. infos.OfType<ApiKeyInfo>()];
    }

    /// <summary>A key's record, or <see langword="null"/> when there is no key <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not a key id.</exception>
    public Task<ApiKeyInfo?> GetApiKeyAsync(string id) => ApiKey(id).GetAsync();

    /// <summary>Revokes a key (idempotent); <see langword="null"/> when there is no key <paramref name="id"/>.</summary>
    /// <remarks>The silos stop accepting it within their key cache time (<c>Auth:KeyCacheSeconds</c>).</remarks>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not a key id.</exception>
    public Task<ApiKeyInfo?> RevokeApiKeyAsync(string id) => ApiKey(id).RevokeAsync();

    private IApiKeyGrain ApiKey(string id)
    {
        if (!ApiKeyFormat.IsValidId(id))
        {
            throw new ArgumentException($"id must be {ApiKeyFormat.IdLength} lowercase hex characters (was '{id}').", nameof(id));
        }
        return Cluster.GetGrain<IApiKeyGrain>(id);
    }
}
