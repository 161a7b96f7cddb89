using System.Text.Json;
using System.Text.Json.Serialization;
using ActorAI.Abstractions.Security;
using ActorAI.Client;
using ActorAI.Silo.Http.Auth;

namespace ActorAI.Silo.Http.Admin;

/// <summary><c>/api/keys</c>: create, list, inspect and revoke API keys (admin only). Bodies are snake_case JSON.</summary>
internal static class KeysEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static IEndpointRouteBuilder MapKeysEndpoints(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder keys = endpoints.MapGroup("/api/keys").RequireAuthorization(AuthSchemes.AdminRole);
        keys.MapPost("", CreateAsync);
        keys.MapGet("", async (ActorAIClient client, CancellationToken ct) =>
            Results.Json((await client.ListApiKeysAsync(ct)).Select(KeyBody.From), Json));
        keys.MapGet("/{id}", async (string id, ActorAIClient client) =>
            ApiKeyFormat.IsValidId(id) && await client.GetApiKeyAsync(id) is { } info ? Results.Json(KeyBody.From(info), Json) : NotFound(id));
        keys.MapDelete("/{id}", async (string id, ActorAIClient client) =>
            ApiKeyFormat.IsValidId(id) && await client.RevokeApiKeyAsync(id) is { } info ? Results.Json(KeyBody.From(info), Json) : NotFound(id));
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ActorAIClient client)
    {
        CreateKeyRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<CreateKeyRequest>(Json, request.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: the content type is not JSON.
            return BadRequest($"body must be a JSON object {{\"name\", \"roles\", \"models\"?}}: {ex.Message}");
        }
        if (body is null)
        {
            return BadRequest("body must be a JSON object {\"name\", \"roles\", \"models\"?}.");
        }
        if (ApiKeyFormat.Problem(body.Name, body.Roles, body.Models) is { } problem)
        {
            return BadRequest(problem);
        }
        ApiKeyCreated created = await client.CreateApiKeyAsync(body.Name!, body.Roles!, body.Models, request.HttpContext.RequestAborted);
        return Results.Json(KeyBody.From(created.Info, created.Key), Json, statusCode: StatusCodes.Status201Created);
    }

    private static IResult BadRequest(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid API key request");

    private static IResult NotFound(string id) =>
        Results.Problem($"no API key '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

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
