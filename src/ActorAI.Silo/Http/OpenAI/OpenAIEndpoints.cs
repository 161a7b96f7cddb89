using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Silo.Http.Auth;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Http.OpenAI;

/// <summary>
/// OpenAI-compatible inference under <c>/v1</c> (role <c>infer</c> or <c>admin</c>). OpenAI's <c>model</c> is the
/// name of an ActorAI deployment.
/// </summary>
internal static class OpenAIEndpoints
{
    public const string Prefix = "/v1";
    private const string OwnedBy = "actorai";

    public static IEndpointRouteBuilder MapOpenAIEndpoints(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder v1 = endpoints.MapGroup(Prefix).RequireAuthorization(AuthSchemes.InferRole);
        v1.MapGet("/models", ListModelsAsync);
        v1.MapGet("/models/{model}", GetModelAsync);
        v1.MapPost("/chat/completions", ChatCompletionsAsync);
        v1.MapPost("/completions", CompletionsAsync);
        return endpoints;
    }

    private static async Task<IResult> ListModelsAsync(HttpContext context, ActorAIClient client)
    {
        IReadOnlyList<DeploymentInfo> deployments = await client.ListDeploymentsAsync(context.RequestAborted);
        ModelObject[] models = [.. deployments.Where(d => ModelAccess.IsAllowed(context.User, d.Name)).Select(Model)];
        return Results.Json(new ModelList("list", models), OpenAIJson.Options);
    }

    private static async Task<IResult> GetModelAsync(HttpContext context, ActorAIClient client, string model)
    {
        if (!DeploymentNames.IsValid(model) || !ModelAccess.IsAllowed(context.User, model)
            || await client.GetDeploymentAsync(model) is not { } deployment)
        {
            return OpenAIFailure.ModelNotFound(model).ToResult(context);
        }
        return Results.Json(Model(deployment), OpenAIJson.Options);
    }

    private static Task<IResult> ChatCompletionsAsync(
        HttpContext context, ActorAIClient client, ILogger<CompletionResponder> logger, IOptions<HttpOptions> options, CacheSalts salts) =>
        GenerateAsync<ChatCompletionRequest>(context, client, logger, options.Value, salts, OpenAIRequests.Chat, ChatCompletionFormat.Instance);

    private static Task<IResult> CompletionsAsync(
        HttpContext context, ActorAIClient client, ILogger<CompletionResponder> logger, IOptions<HttpOptions> options, CacheSalts salts) =>
        GenerateAsync<CompletionRequest>(context, client, logger, options.Value, salts, OpenAIRequests.Completion, TextCompletionFormat.Instance);

    private static async Task<IResult> GenerateAsync<TBody>(
        HttpContext context, ActorAIClient client, ILogger logger, HttpOptions options, CacheSalts salts,
        Func<TBody, GenerationRequest> toRequest, ICompletionFormat format)
        where TBody : SamplingRequest
    {
        (TBody? body, JsonBodyError? error) = await JsonBody.ReadAsync<TBody>(context, OpenAIJson.Options, options.MaxRequestBodyBytes);
        if (body is null)
        {
            return OpenAIFailure.FromBody(error!).ToResult(context);
        }
        if (string.IsNullOrWhiteSpace(body.Model))
        {
            return OpenAIFailure.BadRequest("You must provide a 'model' parameter.", "model", "missing_required_parameter").ToResult(context);
        }
        GenerationRequest request;
        try
        {
            request = toRequest(body);
        }
        catch (GenerationRequestException e)
        {
            return OpenAIFailure.FromException(e, body.Model).ToResult(context);
        }
        catch (InvalidOperationException e)
        {
            // Reading a string out of a JsonElement refuses text System.Text.Json cannot transcode (a lone surrogate escape).
            return OpenAIFailure.BadRequest($"We could not parse the JSON body of your request: {e.Message}", null, "invalid_json").ToResult(context);
        }
        if (!DeploymentNames.IsValid(body.Model))
        {
            return OpenAIFailure.ModelNotFound(body.Model).ToResult(context);
        }
        if (!ModelAccess.IsAllowed(context.User, body.Model))
        {
            return OpenAIFailure.ModelNotAllowed(body.Model).ToResult(context);
        }
        // The caller's key decides the salt; nothing in the body can (the request types declare no such field).
        request = request with { CacheSalt = salts.For(context.User) };
        bool stream = body.Stream == true;
        bool includeUsage = stream && body.StreamOptions?.IncludeUsage == true;
        return await new CompletionResponder(client, logger).RespondAsync(context, body.Model, request, stream, includeUsage, format);
    }

    private static ModelObject Model(DeploymentInfo deployment) =>
        new(deployment.Name, "model", deployment.UpdatedAt.ToUnixTimeSeconds(), OwnedBy);
}
