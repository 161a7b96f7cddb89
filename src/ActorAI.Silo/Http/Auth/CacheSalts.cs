using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using ActorAI.Abstractions.Security;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Http.Auth;

/// <summary>
/// The prefix-cache salt of a caller (<see cref="Abstractions.Serving.GenerationRequest.CacheSalt"/>): an HMAC-SHA-256
/// of the caller's API key id (or, for the bootstrap key, its name), keyed with the digest of the cluster's bootstrap
/// admin key, so every silo of a cluster computes the same salt for a key and no caller can compute another's. One
/// tenant's prompts then never hit the KV blocks another tenant's prompts cached, so cache timing reveals nothing
/// across keys. A login cookie carries the key id it signed in with, so a dashboard session shares its key's salt.
/// </summary>
internal sealed class CacheSalts(IOptions<AuthOptions> options)
{
    private readonly byte[] _key = ApiKeyFormat.Hash(options.Value.BootstrapAdminKey
        ?? throw new InvalidOperationException($"{AuthOptions.Section}:BootstrapAdminKey is required."));

    /// <summary>The salt of <paramref name="user"/>, the same on every call and silo for the same key.</summary>
    public string For(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        // Key ids and names cannot contain '\n', so the two kinds of principal never collide.
        string principal = user.FindFirst(AuthSchemes.KeyIdClaim)?.Value is { } keyId
            ? "key\n" + keyId
            : "name\n" + (user.Identity?.Name ?? "");
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("actorai/prefix-cache-salt/v1\n" + principal)));
    }
}
