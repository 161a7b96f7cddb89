namespace ActorAI.Silo.Options;

/// <summary>Authentication of the HTTP front. Section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Auth";

    /// <summary>The shortest bootstrap key accepted.</summary>
    public const int MinimumKeyLength = 16;

    /// <summary>
    /// An admin API key from configuration, accepted as <c>Authorization: Bearer …</c> or on the login page.
    /// Required; at least <see cref="MinimumKeyLength"/> characters. Supply it through the environment
    /// (<c>ACTORAI_Auth__BootstrapAdminKey</c>) rather than a committed file outside development.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>The longest <see cref="KeyCacheSeconds"/> accepted.</summary>
    public const int MaximumKeyCacheSeconds = 300;

    /// <summary>
    /// How long a silo remembers the answer for a presented API key, valid or not, before asking its grain again
    /// (0 to <see cref="MaximumKeyCacheSeconds"/>; 0 disables the cache). Default 5. A revoked key, or a browser
    /// session signed in with it, keeps working on a silo for up to this long after the revocation.
    /// </summary>
    public int KeyCacheSeconds { get; set; } = 5;
}
