using System.Security.Claims;
using ActorAI.Client;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Logging;

namespace ActorAI.Dashboard.Hosting;

/// <summary>
/// Ends an open dashboard's rights when the API key it signed in with is revoked: the login cookie is checked on every
/// HTTP request, but a live circuit makes none, so the circuit's user is checked again every
/// <see cref="RevalidationInterval"/> (a user without a key id, the bootstrap key's, stays valid).
/// </summary>
internal sealed class RevokedKeyRevalidator(ILoggerFactory loggers, ActorAIClient client) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    /// <summary>The claim holding the key id (the silo's <c>AuthSchemes.KeyIdClaim</c>).</summary>
    public const string KeyIdClaim = "actorai.key_id";

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ClaimsPrincipal user = authenticationState.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return false;
        }
        if (user.FindFirst(KeyIdClaim)?.Value is not { } keyId)
        {
            return true;
        }
        var key = await client.GetApiKeyAsync(keyId).WaitAsync(cancellationToken).ConfigureAwait(false);
        return key is { RevokedAt: null };
    }
}
