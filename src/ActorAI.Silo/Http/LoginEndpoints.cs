using System.Net;
using ActorAI.Silo.Http.Auth;
using Microsoft.AspNetCore.Authentication;

namespace ActorAI.Silo.Http;

/// <summary>A small login page that exchanges an API key for a cookie, for browsers (the dashboard).</summary>
internal static class LoginEndpoints
{
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";

    public static IEndpointRouteBuilder MapLoginEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(LoginPath, (string? returnUrl) => Page(returnUrl, error: null)).AllowAnonymous();
        endpoints.MapPost(LoginPath, LoginAsync).AllowAnonymous();
        endpoints.MapPost(LogoutPath, async (HttpContext context) =>
        {
            await context.SignOutAsync(AuthSchemes.Cookie);
            return Results.Redirect(LoginPath);
        }).AllowAnonymous();
        return endpoints;
    }

    private static async Task<IResult> LoginAsync(HttpContext context, IApiKeyValidator validator)
    {
        if (!context.Request.HasFormContentType)
        {
            return Results.Problem("Expected a form with field 'key'.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
        string key = form["key"].ToString();
        string? returnUrl = form["returnUrl"].ToString();
        ApiKeyIdentity? identity = key.Length == 0 ? null : await validator.ValidateAsync(key, context.RequestAborted);
        if (identity is null)
        {
            return Page(returnUrl, "That API key is not valid.", StatusCodes.Status401Unauthorized);
        }
        await context.SignInAsync(AuthSchemes.Cookie, ApiKeyAuthenticationHandler.CreatePrincipal(identity, AuthSchemes.Cookie));
        // Only local return URLs: never an open redirect.
        bool local = !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal);
        return Results.Redirect(local ? returnUrl! : "/");
    }

    private static IResult Page(string? returnUrl, string? error, int status = StatusCodes.Status200OK)
    {
        string message = error is null ? "" : $"<p class=\"error\">{WebUtility.HtmlEncode(error)}</p>";
        string html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>ActorAI — sign in</title>
            <style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto}input{width:100%;padding:.5rem;margin:.5rem 0}.error{color:#b00}</style>
            </head><body>
            <h1>ActorAI</h1>
            <form method="post" action="{{LoginPath}}">
            <label for="key">API key</label>
            <input id="key" name="key" type="password" autocomplete="current-password" autofocus required>
            <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl ?? "/")}}">
            {{message}}
            <button type="submit">Sign in</button>
            </form></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
