using System.Text.Json.Serialization;
using ActorAI.Abstractions.Security;
using ActorAI.Client;
using ActorAI.Silo.Http.Auth;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Http.Admin;

/// <summary><c>/api/keys</c>: create, list, inspect and revoke API keys (admin only). Bodies are snake_case JSON.</summary>
internal static class KeysEndpoints
{
    public static IEndpointRouteBuilder MapKeysEndpoints(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder keys = endpoints.MapGroup("/api/keys").RequireAuthorization(AuthSchemes.AdminRole);
        keys.MapPost("", CreateAsync);
        keys.MapGet("", async (ActorAIClient client, CancellationToken ct) =>
            Results.Json((await client.ListApiKeysAsync(ct)).Select(KeyBody.From), AdminJson.Options));
        keys.MapGet("/{id}", async (string id, ActorAIClient client) =>
            ApiKeyFormat.IsValidId(id) && await client.GetApiKeyAsync(id) is { } info ? Results.Json(KeyBody.From(info), AdminJson.Options) : NotFound(id));
        keys.MapDelete("/{id}", async (string id, ActorAIClient client) =>
            ApiKeyFormat.IsValidId(id) && await client.RevokeApiKeyAsync(id) is { } info ? Results.Json(KeyBody.From(info), AdminJson.Options) : NotFound(id));
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ActorAIClient client, IOptions<HttpOptions> options)
    {
        (CreateKeyRequest? body, IResult? unreadable) = await AdminProblems.ReadBodyAsync<CreateKeyRequest>(context, options.Value);
        if (body is null)
        {
            return unreadable!;
        }
        if (ApiKeyFormat.Problem(body.Name, body.Roles, body.Models) is { } problem)
        {
            return AdminProblems.Invalid(problem[..problem.IndexOf(' ', StringComparison.Ordinal)], problem); // "name must ..." → name
        }
        ApiKeyCreated created = await client.CreateApiKeyAsync(body.Name!, body.Roles!, body.Models, context.RequestAborted);
        return Results.Json(KeyBody.From(created.Info, created.Key), AdminJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static IResult NotFound(string id) => AdminProblems.NotFound($"no API key '{id}'.");

    private sealed record CreateKeyRequest(string? Name, IReadOnlyList<string>? Roles, IReadOnlyList<string>? Models);

    /// <summary>A key as returned; <see cref="Key"/> only in the answer to its creation.</summary>
    private sealed record KeyBody(
        string Id, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key, string Name, IReadOnlyList<string> Roles, IReadOnlyList<string>? Models, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
    {
        public static KeyBody From(ApiKeyInfo info) => From(info, null);

        public static KeyBody From(ApiKeyInfo info, string? key) =>
            new(info.Id, key, info.Name, info.Roles, info.Models, info.CreatedAt, info.RevokedAt);
    }
}
