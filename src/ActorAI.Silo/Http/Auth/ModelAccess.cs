using System.Security.Claims;

namespace ActorAI.Silo.Http.Auth;

/// <summary>Whether a caller's key may use a deployment (its <see cref="AuthSchemes.ModelClaim"/> allowlist).</summary>
internal static class ModelAccess
{
    public static bool IsAllowed(ClaimsPrincipal user, string deployment)
    {
        ArgumentNullException.ThrowIfNull(user);
        var allowed = user.FindAll(AuthSchemes.ModelClaim).Select(c => c.Value).ToList();
        return allowed.Count == 0 || allowed.Contains(deployment, StringComparer.Ordinal);
    }
}
