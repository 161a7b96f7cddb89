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
    /// <summary>Policy and role: training jobs and model registration (admin also passes).</summary>
    public const string TrainRole = "train";
    /// <summary>Policy and role: inference under <c>/v1</c> (admin also passes).</summary>
    public const string InferRole = "infer";
    /// <summary>Policy and role: <c>/metrics</c> (admin also passes).</summary>
    public const string MetricsRole = "metrics";
    /// <summary>Claim type listing one deployment a key may use; a key without any such claim may use all.</summary>
    public const string ModelClaim = "actorai.model";
    /// <summary>Claim type holding the id of the API key a caller signed in with (absent for the bootstrap key).</summary>
    public const string KeyIdClaim = "actorai.key_id";
}
