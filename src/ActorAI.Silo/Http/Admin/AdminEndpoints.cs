namespace ActorAI.Silo.Http.Admin;

/// <summary>The admin REST API under <c>/api</c>: models, deployments and training jobs.</summary>
internal static class AdminEndpoints
{
    public const string Prefix = "/api";

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder api = endpoints.MapGroup(Prefix);
        api.MapModelEndpoints();
        api.MapDeploymentEndpoints();
        api.MapJobEndpoints();
        api.MapDatasetEndpoints();
        return endpoints;
    }
}
