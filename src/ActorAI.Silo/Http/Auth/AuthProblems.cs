namespace ActorAI.Silo.Http.Auth;

/// <summary>
/// Authentication failures outside <c>/v1</c> (the admin API and every other JSON route), answered with an RFC 7807
/// ProblemDetails body (<c>application/problem+json</c>), as the rest of the admin API answers its errors. Under
/// <c>/v1</c>, <see cref="OpenAIErrors"/> answers in OpenAI's shape instead.
/// </summary>
internal static class AuthProblems
{
    /// <summary>401 naming what is missing or wrong; <c>WWW-Authenticate: Bearer</c> tells a client how to authenticate.</summary>
    public static Task WriteUnauthorizedAsync(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    /// <summary>403: the caller is known but lacks the role or model access.</summary>
    public static Task WriteForbiddenAsync(HttpContext context, string detail) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", detail);

    private static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);
}
