using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Http.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;api key&gt;</c>.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IApiKeyValidator validator) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <api key>'.");
        }
        string key = header[BearerPrefix.Length..].Trim();
        ApiKeyIdentity? identity = key.Length == 0 ? null : await validator.ValidateAsync(key, Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("Invalid API key.");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(CreatePrincipal(identity, Scheme.Name), Scheme.Name));
    }

    // Under /v1 an OpenAI error body; elsewhere a ProblemDetails body. Either names why (missing, malformed, invalid).
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        AuthenticateResult result = await HandleAuthenticateOnceSafeAsync();
        string message = result.Failure?.Message ?? OpenAIErrors.MissingKeyMessage;
        await (OpenAIErrors.Applies(Context)
            ? OpenAIErrors.WriteUnauthorizedAsync(Context, message)
            : AuthProblems.WriteUnauthorizedAsync(Context, message));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        OpenAIErrors.Applies(Context)
            ? OpenAIErrors.WriteForbiddenAsync(Context, OpenAIErrors.ForbiddenMessage)
            : AuthProblems.WriteForbiddenAsync(Context, OpenAIErrors.ForbiddenMessage);

    /// <summary>A principal with the key's name, one role claim per role and one <see cref="AuthSchemes.ModelClaim"/> per allowed deployment.</summary>
    internal static ClaimsPrincipal CreatePrincipal(ApiKeyIdentity identity, string scheme)
    {
        var claims = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        claims.AddClaim(new Claim(ClaimTypes.Name, identity.Name));
        if (identity.KeyId is not null)
        {
            claims.AddClaim(new Claim(AuthSchemes.KeyIdClaim, identity.KeyId));
        }
        foreach (string role in identity.Roles)
        {
            claims.AddClaim(new Claim(ClaimTypes.Role, role));
        }
        foreach (string model in identity.Models ?? [])
        {
            claims.AddClaim(new Claim(AuthSchemes.ModelClaim, model));
        }
        return new ClaimsPrincipal(claims);
    }
}
