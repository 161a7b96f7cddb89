using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using ActorAI.Silo.Http.Auth;
using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;

namespace ActorAI.Silo.Http.Admin;

/// <summary><c>/api/deployments</c> (admin): list, inspect, create or update, delete.</summary>
internal static class DeploymentEndpoints
{
    public static RouteGroupBuilder MapDeploymentEndpoints(this RouteGroupBuilder api)
    {
        RouteGroupBuilder deployments = api.MapGroup("/deployments").RequireAuthorization(AuthSchemes.AdminRole);
        deployments.MapGet("/", ListAsync);
        deployments.MapGet("/{name}", GetAsync);
        deployments.MapPut("/{name}", PutAsync);
        deployments.MapDelete("/{name}", DeleteAsync);
        return api;
    }

    private static async Task<IResult> ListAsync(ActorAIClient client, CancellationToken cancellationToken)
    {
        IReadOnlyList<DeploymentInfo> deployments = await client.ListDeploymentsAsync(cancellationToken);
        return Results.Json(deployments.Select(DeploymentView.From), AdminJson.Options);
    }

    private static async Task<IResult> GetAsync(ActorAIClient client, string name) =>
        !DeploymentNames.IsValid(name) || await client.GetDeploymentAsync(name) is not { } info
            ? AdminProblems.NotFound($"deployment '{name}' does not exist")
            : Results.Json(DeploymentView.From(info), AdminJson.Options);

    private static async Task<IResult> PutAsync(HttpContext context, ActorAIClient client, IOptions<HttpOptions> options, string name)
    {
        if (!DeploymentNames.IsValid(name))
        {
            return AdminProblems.Invalid("name", $"deployment name '{name}' is invalid: 1-{DeploymentNames.MaxLength} letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
        (DeploymentSpecBody? body, IResult? problem) = await AdminProblems.ReadBodyAsync<DeploymentSpecBody>(context, options.Value);
        if (body is null)
        {
            return problem!;
        }
        try
        {
            DeploymentSpec spec = body.ToSpec();
            // Validated before the existence check so that a bad spec costs no grain call.
            IReadOnlyList<string> errors = spec.Validate();
            if (errors.Count > 0)
            {
                return AdminProblems.Invalid(errors, "spec");
            }
            bool existed = await client.GetDeploymentAsync(name) is not null;
            DeploymentView view = DeploymentView.From(await client.DeployAsync(name, spec));
            if (existed)
            {
                return Results.Json(view, AdminJson.Options);
            }
            context.Response.Headers.Location = $"{AdminEndpoints.Prefix}/deployments/{name}";
            return Results.Json(view, AdminJson.Options, statusCode: StatusCodes.Status201Created);
        }
        catch (DeploymentException e)
        {
            return AdminProblems.Invalid(e.Errors, "model");
        }
    }

    private static async Task<IResult> DeleteAsync(ActorAIClient client, string name)
    {
        if (!DeploymentNames.IsValid(name))
        {
            return AdminProblems.NotFound($"deployment '{name}' does not exist");
        }
        try
        {
            await client.DeleteDeploymentAsync(name);
            return Results.NoContent();
        }
        catch (DeploymentNotFoundException e)
        {
            return AdminProblems.NotFound(e.Message);
        }
    }
}
