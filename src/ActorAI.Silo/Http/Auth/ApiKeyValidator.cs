using System.Security.Cryptography;
using ActorAI.Abstractions.Security;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Http.Auth;

/// <summary>
/// Accepts the bootstrap admin key from configuration and the keys held by <see cref="IApiKeyGrain"/>s. Grain answers,
/// valid or not, are cached for <see cref="AuthOptions.KeyCacheSeconds"/> so that a request does not cost a grain call.
/// </summary>
internal sealed class ApiKeyValidator : IApiKeyValidator, IDisposable
{
    public const string BootstrapName = "bootstrap-admin";

    // Bounded, so that a flood of made-up keys (each cached as invalid) cannot grow it without limit.
    private const int CacheEntries = 10_000;

    private static readonly ApiKeyIdentity Bootstrap = new(BootstrapName, null, [ApiKeyRoles.Admin], null);

    private readonly IGrainFactory _grains;
    private readonly byte[] _bootstrapDigest;
    private readonly TimeSpan _cacheTime;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CacheEntries });

    public ApiKeyValidator(IGrainFactory grains, IOptions<AuthOptions> options)
    {
        _grains = grains;
        _bootstrapDigest = ApiKeyFormat.Hash(options.Value.BootstrapAdminKey
            ?? throw new InvalidOperationException($"{AuthOptions.Section}:BootstrapAdminKey is required."));
        _cacheTime = TimeSpan.FromSeconds(options.Value.KeyCacheSeconds);
    }

    public async ValueTask<ApiKeyIdentity?> ValidateAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] digest = ApiKeyFormat.Hash(key);
        if (CryptographicOperations.FixedTimeEquals(digest, _bootstrapDigest))
        {
            return Bootstrap;
        }
        if (!ApiKeyFormat.TryParseId(key, out string? id))
        {
            return null;
        }
        return await CachedAsync("key:" + Convert.ToHexString(digest), async () =>
            await _grains.GetGrain<IApiKeyGrain>(id).AuthenticateAsync(digest) is { } info
                ? new ApiKeyIdentity(info.Name, info.Id, info.Roles, info.Models)
                : null, cancellationToken);
    }

    /// <summary>Whether key <paramref name="keyId"/> exists and is not revoked (for sessions signed in with it); cached like keys.</summary>
    public async ValueTask<bool> IsActiveAsync(string keyId, CancellationToken cancellationToken) =>
        ApiKeyFormat.IsValidId(keyId)
        && await CachedAsync("id:" + keyId, async () => await _grains.GetGrain<IApiKeyGrain>(keyId).GetAsync() is { RevokedAt: null },
            cancellationToken);

    public void Dispose() => _cache.Dispose();

    private async ValueTask<T> CachedAsync<T>(string cacheKey, Func<Task<T>> load, CancellationToken cancellationToken)
    {
        if (_cacheTime > TimeSpan.Zero && _cache.TryGetValue(cacheKey, out T? cached))
        {
            return cached!;
        }
        T value = await load().WaitAsync(cancellationToken);
        if (_cacheTime > TimeSpan.Zero)
        {
            _cache.Set(cacheKey, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _cacheTime });
        }
        return value;
    }
}
