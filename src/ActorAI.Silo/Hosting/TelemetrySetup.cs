using ActorAI.Client;
using ActorAI.Grains.Diagnostics;
using ActorAI.Silo.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ActorAI.Silo.Hosting;

/// <summary>
/// Wires the silo's metrics and traces from <see cref="TelemetryOptions"/>: the OpenTelemetry SDK aggregates
/// System.Diagnostics.Metrics instruments (ActorAI's, Orleans', ASP.NET Core's) and serves them at <c>/metrics</c>; OTLP
/// exports metrics and traces when an endpoint is configured.
/// </summary>
/// <remarks>
/// Exporter choice: OpenTelemetry.Exporter.Prometheus.AspNetCore (1.20.1-beta.1; prerelease is all the feed has) over
/// prometheus-net.AspNetCore 8.2.1 (stable). prometheus-net's MeterAdapter rewrites every character outside
/// <c>[a-zA-Z0-9_]</c> to <c>_</c> (its PrometheusNameHelpers), so <c>actorai:time_to_first_token_seconds</c> would come
/// out as <c>actorai_time_to_first_token_seconds</c> and vLLM boards would not match; it also publishes a
/// <c>Counter&lt;T&gt;</c> as a Prometheus gauge. The OpenTelemetry exporter keeps the colon, keeps counters counters,
/// takes bucket bounds from the instruments' advice, and shares one SDK pipeline with the OTLP exporter, so a
/// metric is defined once for both. The tests pin the exposition (names, buckets, labels), which guards the beta.
/// </remarks>
internal static class TelemetrySetup
{
    /// <summary>Meters of the frameworks exposed besides ActorAI's: Orleans (activations by grain type, messaging,
    /// storage) and ASP.NET Core's HTTP server metrics (<c>http.server.request.duration</c>).</summary>
    private static readonly string[] FrameworkMeters = ["Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>Trace sources besides ActorAI's: Orleans' grain-call spans (they carry the trace between silos) and
    /// ASP.NET Core's request span (the root of a chat request's trace).</summary>
    private static readonly string[] FrameworkSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.AspNetCore"];

    public static IServiceCollection AddActorAITelemetry(this IServiceCollection services, TelemetryOptions options, string siloName)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Metrics)
        {
            // No instruments at all: the "off" a benchmark compares against, not merely an unscraped endpoint.
            services.Replace(ServiceDescriptor.Singleton(new ServingTelemetry(null)));
            services.Replace(ServiceDescriptor.Singleton(new TrainingTelemetry(null)));
            services.Replace(ServiceDescriptor.Singleton(sp => new ClusterTelemetry(null, sp.GetRequiredService<IClusterMembershipService>())));
        }
        bool otlp = !string.IsNullOrWhiteSpace(options.OtlpEndpoint);
        if (!options.Metrics && !otlp)
        {
            return services;
        }
        OpenTelemetryBuilder telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("actorai-silo", serviceInstanceId: siloName));
        if (options.Metrics)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter([.. ActorAITelemetry.Meters, .. FrameworkMeters]).AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter(o => Configure(o, options, "v1/metrics"));
                }
            });
        }
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                .AddSource([.. ActorAITelemetry.ActivitySources, ActorAIClientDiagnostics.ActivitySourceName, .. FrameworkSources])
                .AddOtlpExporter(o => Configure(o, options, "v1/traces")));
        }
        return services;
    }

    // gRPC takes the collector's address as is; OTLP/HTTP set in code takes the whole URL of each signal.
    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions options, string signalPath)
    {
        var endpoint = new Uri(options.OtlpEndpoint!);
        if (options.OtlpProtocol == OtlpProtocol.HttpProtobuf)
        {
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/"), signalPath);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = endpoint;
        }
    }
}
