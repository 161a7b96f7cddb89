using ActorAI.Grains.Diagnostics;
using ActorAI.Silo.Hosting;
using ActorAI.Silo.Http.Auth;
using ActorAI.Silo.Options;

namespace ActorAI.Silo.Http;

/// <summary><c>GET /metrics</c>: Prometheus text exposition of the silo's metrics (see <see cref="Hosting.TelemetrySetup"/>).</summary>
internal static class MetricsEndpoints
{
    /// <summary>Where Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    private const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Serves <see cref="Path"/> to the admin and metrics roles (nothing when metrics are off), and starts the
    /// cluster gauges.</summary>
    public static void MapMetricsEndpoint(this WebApplication app, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Metrics)
        {
            _ = app.Services.GetRequiredService<ClusterTelemetry>();
            PrometheusMeterExporter exporter = app.Services.GetRequiredService<PrometheusMeterExporter>();
            app.MapGet(Path, () => Results.Text(exporter.Scrape(), ContentType))
                .RequireAuthorization(AuthSchemes.MetricsRole)
                .ExcludeFromDescription();
        }
    }
}
