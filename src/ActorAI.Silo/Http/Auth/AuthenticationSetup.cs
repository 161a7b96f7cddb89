using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace ActorAI.Silo.Http.Auth;

internal static class AuthenticationSetup
{
    public static IServiceCollection AddActorAIAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyValidator>();
        services.AddSingleton<CacheSalts>();
        services.AddSingleton<IApiKeyValidator>(sp => sp.GetRequiredService<ApiKeyValidator>());
        services.AddAuthentication(AuthSchemes.Default)
            .AddPolicyScheme(AuthSchemes.Default, "API key or login cookie", o =>
                o.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count > 0 ? AuthSchemes.ApiKey : AuthSchemes.Cookie)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AuthSchemes.ApiKey, null)
            .AddCookie(AuthSchemes.Cookie, o =>
            {
                o.LoginPath = LoginEndpoints.LoginPath;
                o.LogoutPath = LoginEndpoints.LogoutPath;
                o.Cookie.Name = "actorai.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                // Browsers navigating get the login page; scripts and API clients get a 401/403 with a ProblemDetails
                // body, or an OpenAI error under /v1. A session ends when the key it signed in with is revoked.
                o.Events = new CookieAuthenticationEvents
                {
                    OnRedirectToLogin = context => OpenAIErrors.Applies(context.HttpContext)
                        ? OpenAIErrors.WriteUnauthorizedAsync(context.HttpContext, OpenAIErrors.MissingKeyMessage)
                        : RedirectOrStatus(context, StatusCodes.Status401Unauthorized),
                    OnRedirectToAccessDenied = context => OpenAIErrors.Applies(context.HttpContext)
                        ? OpenAIErrors.WriteForbiddenAsync(context.HttpContext, OpenAIErrors.ForbiddenMessage)
                        : RedirectOrStatus(context, StatusCodes.Status403Forbidden),
                    OnValidatePrincipal = RejectRevokedAsync,
                };
            });
        services.AddAuthorizationBuilder()
            // Every route needs a key unless it says otherwise (/health, /login): a new endpoint is never open by accident.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AuthSchemes.AdminRole, policy => policy.RequireRole(AuthSchemes.AdminRole))
            .AddPolicy(AuthSchemes.TrainRole, policy => policy.RequireRole(AuthSchemes.AdminRole, AuthSchemes.TrainRole))
            .AddPolicy(AuthSchemes.InferRole, policy => policy.RequireRole(AuthSchemes.AdminRole, AuthSchemes.InferRole))
            .AddPolicy(AuthSchemes.MetricsRole, policy => policy.RequireRole(AuthSchemes.AdminRole, AuthSchemes.MetricsRole));
        return services;
    }

    private static async Task RejectRevokedAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.FindFirst(AuthSchemes.KeyIdClaim)?.Value is { } keyId)
        {
            ApiKeyValidator validator = context.HttpContext.RequestServices.GetRequiredService<ApiKeyValidator>();
            if (!await validator.IsActiveAsync(keyId, context.HttpContext.RequestAborted))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(AuthSchemes.Cookie);
            }
        }
    }

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        bool wantsHtml = HttpMethods.IsGet(context.Request.Method)
            && context.Request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
        if (wantsHtml && status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }
        return status == StatusCodes.Status401Unauthorized
            ? AuthProblems.WriteUnauthorizedAsync(context.HttpContext, OpenAIErrors.MissingKeyMessage)
            : AuthProblems.WriteForbiddenAsync(context.HttpContext, OpenAIErrors.ForbiddenMessage);
    }
}
