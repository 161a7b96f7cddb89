using ActorAI.Silo.Options;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ActorAI.Silo.Http;

/// <summary><c>GET /health</c>: anonymous; 200 when this silo is an active cluster member, else 503.</summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", (IClusterMembershipService membership, ILocalSiloDetails local,
                IOptions<ClusterOptions> cluster, IOptions<SiloHostOptions> silo) =>
            {
                ClusterMembershipSnapshot snapshot = membership.CurrentSnapshot;
                SiloStatus status = snapshot.GetSiloStatus(local.SiloAddress);
                var body = new HealthReport(
                    status == SiloStatus.Active ? "healthy" : "unhealthy",
                    status.ToString(),
                    local.SiloAddress.ToParsableString(),
                    silo.Value.EffectiveName,
                    cluster.Value.ClusterId,
                    snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
                return Results.Json(body, statusCode: status == SiloStatus.Active ? 200 : 503);
            })
            .AllowAnonymous();
        return endpoints;
    }

    internal sealed record HealthReport(string Status, string SiloStatus, string Silo, string Name, string ClusterId, int ActiveSilos);
}
