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
}
