using ActorAI.Abstractions.Datasets;
using ActorAI.Client;
using ActorAI.Silo.Http.Auth;

namespace ActorAI.Silo.Http.Admin;

/// <summary><c>/api/datasets</c>: named, versioned datasets (read-only here; push with the client or CLI). Role <c>train</c> (or admin).</summary>
internal static class DatasetEndpoints
{
    public static RouteGroupBuilder MapDatasetEndpoints(this RouteGroupBuilder api)
    {
        RouteGroupBuilder datasets = api.MapGroup("/datasets").RequireAuthorization(AuthSchemes.TrainRole);
        datasets.MapGet("/", ListAsync);
        datasets.MapGet("/{name}", GetAsync);
        return api;
    }

    private static async Task<IResult> ListAsync(ActorAIClient client, CancellationToken cancellationToken) =>
        Results.Json(await client.ListDatasetsAsync(cancellationToken), AdminJson.Options);

    private static async Task<IResult> GetAsync(ActorAIClient client, string name, CancellationToken cancellationToken) =>
        DatasetNames.Problem(name) is { } problem ? AdminProblems.Invalid("name", problem["name: ".Length..])
        : await client.GetDatasetAsync(name, cancellationToken) is { } dataset ? Results.Json(dataset, AdminJson.Options)
        : AdminProblems.NotFound($"dataset '{name}' does not exist");
}
