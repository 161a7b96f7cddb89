using System.Security.Cryptography;
using System.Text;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Http.Auth;

/// <summary>Checks a presented API key and returns the roles it carries.</summary>
public interface IApiKeyValidator
{
    /// <summary>The roles of <paramref name="key"/>, or <see langword="null"/> when the key is not valid.</summary>
    ValueTask<IReadOnlyList<string>?> ValidateAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Accepts the bootstrap admin key from configuration. Keys are compared as SHA-256 digests in fixed time.</summary>
internal sealed class BootstrapApiKeyValidator(IOptions<AuthOptions> options) : IApiKeyValidator
{
    private readonly byte[] _adminDigest = Digest(options.Value.BootstrapAdminKey
        ?? throw new InvalidOperationException($"{AuthOptions.Section}:BootstrapAdminKey is required."));

    private static readonly IReadOnlyList<string> AdminRoles = [AuthSchemes.AdminRole];

    public ValueTask<IReadOnlyList<string>?> ValidateAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CryptographicOperations.FixedTimeEquals(Digest(key), _adminDigest) ? AdminRoles : null);

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
