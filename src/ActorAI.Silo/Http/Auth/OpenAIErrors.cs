using ActorAI.Silo.Http.OpenAI;

namespace ActorAI.Silo.Http.Auth;

/// <summary>
/// Authentication failures under <c>/v1</c>, the OpenAI-compatible API, answered with OpenAI's error body so that
/// OpenAI SDKs report them as <c>AuthenticationError</c>/<c>PermissionDeniedError</c>.
/// </summary>
internal static class OpenAIErrors
{
    public static readonly PathString Prefix = "/v1";

    public const string ForbiddenMessage = "This API key does not have the role or model access this request needs.";

    public const string MissingKeyMessage = "Missing API key: send it as 'Authorization: Bearer <key>'.";

    public static bool Applies(HttpContext context) => context.Request.Path.StartsWithSegments(Prefix, StringComparison.Ordinal);

    /// <summary>401 with <c>invalid_api_key</c>.</summary>
    public static Task WriteUnauthorizedAsync(HttpContext context, string message)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, message, "invalid_request_error", "invalid_api_key");
    }

    /// <summary>403 with <c>insufficient_permissions</c>.</summary>
    public static Task WriteForbiddenAsync(HttpContext context, string message) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, message, "permission_error", "insufficient_permissions");

    private static Task WriteAsync(HttpContext context, int status, string message, string type, string code)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new OpenAIErrorBody(new OpenAIError(message, type, null, code)),
            OpenAIJson.Options,
            "application/json",
            context.RequestAborted);
    }
}
