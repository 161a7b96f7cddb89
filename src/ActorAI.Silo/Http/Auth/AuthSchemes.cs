namespace ActorAI.Silo.Http.Auth;

/// <summary>Names of the HTTP authentication schemes, policies and roles.</summary>
public static class AuthSchemes
{
    /// <summary>The default scheme: API key when an Authorization header is present, else the login cookie.</summary>
    public const string Default = "ActorAI";
    /// <summary><c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public const string ApiKey = "ApiKey";
    /// <summary>The cookie set by the login page.</summary>
    public const string Cookie = "ActorAI.Cookie";
    /// <summary>Policy and role: full control, including the dashboard.</summary>
    public const string AdminRole = "admin";
}
