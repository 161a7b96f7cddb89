namespace ActorAI.Silo.Http.Auth;

/// <summary>Who a valid API key belongs to and what it may do.</summary>
/// <param name="Name">The key's name (the bootstrap key is <c>bootstrap-admin</c>).</param>
/// <param name="KeyId">The key's id; <see langword="null"/> for the bootstrap key from configuration.</param>
/// <param name="Roles">Roles it carries.</param>
/// <param name="Models">Deployments it may use; <see langword="null"/> for all.</param>
public sealed record ApiKeyIdentity(string Name, string? KeyId, IReadOnlyList<string> Roles, IReadOnlyList<string>? Models);

/// <summary>Checks a presented API key.</summary>
public interface IApiKeyValidator
{
    /// <summary>Who <paramref name="key"/> belongs to, or <see langword="null"/> when the key is not valid.</summary>
    ValueTask<ApiKeyIdentity?> ValidateAsync(string key, CancellationToken cancellationToken);
}
