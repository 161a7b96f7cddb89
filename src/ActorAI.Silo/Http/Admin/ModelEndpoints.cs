using ActorAI.Abstractions.Registry;
using ActorAI.Client;
using ActorAI.Silo.Http.Auth;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Http.Admin;

/// <summary>
/// <c>/api/models</c>: the registry. Reading, registering versions and tagging need role <c>train</c> (or admin);
/// moving aliases, which redirects deployments' traffic, needs admin.
/// </summary>
internal static class ModelEndpoints
{
    public static RouteGroupBuilder MapModelEndpoints(this RouteGroupBuilder api)
    {
        RouteGroupBuilder models = api.MapGroup("/models").RequireAuthorization(AuthSchemes.TrainRole);
        // Every route names a model: one that breaks the name rule is a 400 naming the field, before any grain call.
        models.AddEndpointFilter((context, next) =>
            context.HttpContext.GetRouteValue("name") is string name && ModelNames.Problem(name) is { } problem
                ? ValueTask.FromResult<object?>(AdminProblems.Invalid("name", problem))
                : next(context));
        models.MapGet("/", ListAsync);
        models.MapGet("/{name}", GetAsync);
        models.MapPost("/{name}/versions", RegisterAsync);
        models.MapPost("/{name}/versions/{version:int}/tags", TagAsync);
        models.MapPut("/{name}/aliases/{alias}", SetAliasAsync).RequireAuthorization(AuthSchemes.AdminRole);
        models.MapDelete("/{name}/aliases/{alias}", RemoveAliasAsync).RequireAuthorization(AuthSchemes.AdminRole);
        return api;
    }

    private static async Task<IResult> ListAsync(ActorAIClient client, CancellationToken cancellationToken) =>
        Results.Json(await client.ListModelsAsync(cancellationToken), AdminJson.Options);

    private static async Task<IResult> GetAsync(ActorAIClient client, string name) =>
        await client.GetModelAsync(name) is { } model ? Results.Json(model, AdminJson.Options) : ModelNotFound(name);

    private static async Task<IResult> RegisterAsync(HttpContext context, ActorAIClient client, IOptions<HttpOptions> options, string name)
    {
        (RegisterVersionBody? body, IResult? problem) = await AdminProblems.ReadBodyAsync<RegisterVersionBody>(context, options.Value);
        if (body is null)
        {
            return problem!;
        }
        bool fromJob = !string.IsNullOrWhiteSpace(body.JobId);
        if (fromJob == !string.IsNullOrWhiteSpace(body.CheckpointPath))
        {
            return AdminProblems.Invalid(fromJob ? "checkpoint_path" : "job_id", "give exactly one of job_id (a succeeded training job) and checkpoint_path (an absolute path to a safetensors file under the silo's import roots)");
        }
        try
        {
            ModelVersion version = fromJob
                ? await client.RegisterModelFromJobAsync(name, body.JobId!, body.Tags)
                : await client.ImportModelAsync(name, body.CheckpointPath!, tags: body.Tags);
            context.Response.Headers.Location = $"{AdminEndpoints.Prefix}/models/{name}";
            return Results.Json(version, AdminJson.Options, statusCode: StatusCodes.Status201Created);
        }
        catch (ModelRegistryException e)
        {
            return AdminProblems.Invalid(fromJob ? "job_id" : "checkpoint_path", e.Message);
        }
    }

    private static async Task<IResult> TagAsync(HttpContext context, ActorAIClient client, IOptions<HttpOptions> options, string name, int version)
    {
        (TagBody? body, IResult? problem) = await AdminProblems.ReadBodyAsync<TagBody>(context, options.Value);
        if (body is null)
        {
            return problem!;
        }
        if (string.IsNullOrWhiteSpace(body.Tag))
        {
            return AdminProblems.Invalid("tag", "tag: required");
        }
        if (await client.GetModelAsync(name) is not { } model)
        {
            return ModelNotFound(name);
        }
        if (!model.Versions.Any(v => v.Version == version))
        {
            return AdminProblems.NotFound($"model '{name}' has no version {version}");
        }
        try
        {
            return Results.Json(await client.TagModelVersionAsync(name, version, body.Tag), AdminJson.Options);
        }
        catch (ModelRegistryException e)
        {
            return AdminProblems.Invalid("tag", e.Message);
        }
    }

    private static async Task<IResult> SetAliasAsync(HttpContext context, ActorAIClient client, IOptions<HttpOptions> options, string name, string alias)
    {
        (SetAliasBody? body, IResult? problem) = await AdminProblems.ReadBodyAsync<SetAliasBody>(context, options.Value);
        if (body is null)
        {
            return problem!;
        }
        if (ModelNames.AliasProblem(alias) is { } aliasProblem)
        {
            return AdminProblems.Invalid("alias", aliasProblem);
        }
        if (body.Version is not { } version)
        {
            return AdminProblems.Invalid("version", "version: required (a version number)");
        }
        if (await client.GetModelAsync(name) is not { } model)
        {
            return ModelNotFound(name);
        }
        if (!model.Versions.Any(v => v.Version == version))
        {
            return AdminProblems.Invalid("version", $"version: model '{name}' has no version {version}");
        }
        try
        {
            return Results.Json(await client.SetModelAliasAsync(name, alias, version), AdminJson.Options);
        }
        catch (ModelRegistryException e)
        {
            return AdminProblems.Invalid("alias", e.Message);
        }
    }

    private static async Task<IResult> RemoveAliasAsync(ActorAIClient client, string name, string alias)
    {
        if (await client.GetModelAsync(name) is not { } model)
        {
            return ModelNotFound(name);
        }
        if (!model.Aliases.ContainsKey(alias))
        {
            return AdminProblems.NotFound($"model '{name}' has no alias '{alias}'");
        }
        try
        {
            return Results.Json(await client.RemoveModelAliasAsync(name, alias), AdminJson.Options);
        }
        catch (ModelRegistryException e)
        {
            return AdminProblems.Invalid("alias", e.Message);
        }
    }

    private static IResult ModelNotFound(string name) => AdminProblems.NotFound($"model '{name}' is not registered");
}
